#include "agent/config/load.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <sys/stat.h>

#include "agent/config/build.hpp"
#include "agent/config/toml_settings.hpp"

namespace magent::config {
namespace {

constexpr long k_max_file_bytes = 1024 * 1024;

core::Error fail(core::ErrorKind kind, std::string message) {
  return core::make_error(kind, std::move(message));
}

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

const std::string* lookup(const Environment& environment, std::string_view name) {
  const auto found = environment.find(std::string(name));
  return found == environment.end() ? nullptr : &found->second;
}

Setting env_setting(std::string_view variable, std::string section, std::string key,
                    const std::string& text) {
  return Setting{std::move(section), std::move(key), string_value(text),
                 Origin{SourceKind::environment, std::string(variable), 0}};
}

}  // namespace

Environment current_environment() {
  Environment environment;
  for (const std::string_view name :
       {env::k_config, env::k_database_url, env::k_database_url_file, env::k_migrations_dir,
        env::k_auto_migrate, env::k_now_lms_auto_migrate, env::k_socket, env::k_metrics_listen,
        env::k_log_format}) {
    const std::string key(name);
    if (const char* value = std::getenv(key.c_str())) environment.emplace(key, value);
  }
  return environment;
}

core::Result<std::string> read_text_file(const std::string& path) {
  const auto failure = [&](const std::string& reason) {
    return fail(core::ErrorKind::io, "cannot read " + quoted(path) + ": " + reason);
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return failure(std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return failure("not a regular file");
  if (info.st_size > k_max_file_bytes) return failure("larger than 1 MiB");
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) return failure(std::strerror(errno));
  std::string content;
  char buffer[4096];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
    content.append(buffer, count);
  if (std::ferror(file.get()) != 0) return failure("read error");
  return content;
}

std::vector<Setting> environment_settings(const Environment& environment) {
  std::vector<Setting> settings;
  const auto non_empty = [&](std::string_view name) {
    const std::string* value = lookup(environment, name);
    return value != nullptr && !value->empty() ? value : nullptr;
  };
  if (const auto* value = non_empty(env::k_database_url)) {
    settings.push_back(env_setting(env::k_database_url, "database", "url", *value));
  }
  if (const auto* value = non_empty(env::k_database_url_file)) {
    settings.push_back(env_setting(env::k_database_url_file, "database", "url_file", *value));
  }
  if (const auto* value = non_empty(env::k_migrations_dir)) {
    settings.push_back(env_setting(env::k_migrations_dir, "migrations", "dir", *value));
  }
  if (const auto* value = lookup(environment, env::k_auto_migrate)) {
    settings.push_back(env_setting(env::k_auto_migrate, "apply", "auto_migrate", *value));
  } else if (const auto* now_lms = lookup(environment, env::k_now_lms_auto_migrate)) {
    settings.push_back(env_setting(env::k_now_lms_auto_migrate, "apply", "auto_migrate", *now_lms));
  }
  if (const auto* value = lookup(environment, env::k_socket)) {
    settings.push_back(env_setting(env::k_socket, "control", "socket", *value));
  }
  if (const auto* value = lookup(environment, env::k_metrics_listen)) {
    settings.push_back(env_setting(env::k_metrics_listen, "metrics", "listen", *value));
  }
  if (const auto* value = non_empty(env::k_log_format)) {
    settings.push_back(env_setting(env::k_log_format, "log", "format", *value));
  }
  return settings;
}

std::vector<Setting> flag_settings(const Overrides& overrides) {
  std::vector<Setting> settings;
  const auto add = [&](const std::optional<std::string>& value, std::string_view flag,
                       std::string section, std::string key) {
    if (!value) return;
    settings.push_back(Setting{std::move(section), std::move(key), string_value(*value),
                               Origin{SourceKind::flag, std::string(flag), 0}});
  };
  add(overrides.database_url, "--database-url", "database", "url");
  add(overrides.migrations_dir, "--migrations-dir", "migrations", "dir");
  add(overrides.socket, "--socket", "control", "socket");
  add(overrides.metrics_listen, "--metrics-listen", "metrics", "listen");
  add(overrides.log_format, "--log-format", "log", "format");
  add(overrides.auto_migrate, "--auto-migrate", "apply", "auto_migrate");
  return settings;
}

core::Result<Config> load_config(const Overrides& overrides, const Environment& environment,
                                 const FileReader& read_file) {
  std::string path;
  std::string path_source;
  if (overrides.config_file) {
    if (overrides.config_file->empty())
      return fail(core::ErrorKind::config, "flag --config: expected a file path, got \"\"");
    path = *overrides.config_file;
    path_source = "flag --config";
  } else if (const std::string* value = lookup(environment, env::k_config);
             value != nullptr && !value->empty()) {
    path = *value;
    path_source = "environment " + std::string(env::k_config);
  }

  std::vector<Setting> settings;
  if (!path.empty()) {
    auto text = read_file(path);
    if (!text) return fail(core::ErrorKind::config, path_source + ": " + text.error().message);
    auto file_settings = parse_toml_settings(*text, path);
    if (!file_settings) return file_settings.error();
    settings = std::move(*file_settings);
  }
  for (auto& setting : environment_settings(environment)) settings.push_back(std::move(setting));
  for (auto& setting : flag_settings(overrides)) settings.push_back(std::move(setting));

  auto config = build_config(settings, read_file);
  if (!config) return config;
  config->source = path;
  return config;
}

}  // namespace magent::config

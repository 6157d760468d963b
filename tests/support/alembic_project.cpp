#include "tests/support/alembic_project.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

namespace magent::test {
namespace {

constexpr const char* k_env_py = R"(import os
import sys
from logging.config import fileConfig
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
if url.startswith("mysql://"):
    url = "mysql+pymysql://" + url[len("mysql://"):]
probe = os.environ.get("MAGENT_RUNNER_PROBE")
if probe:
    with open(probe, "a") as f:
        f.write("DATABASE_URL=%s EXTRA=%s\n" % (os.environ.get("DATABASE_URL"), os.environ.get("MAGENT_RUNNER_EXTRA")))

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
)";

std::string py_string(const std::string& text) {
  std::string out = "\"\"\"";
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"\"\"";
}

std::string py_ids(const std::vector<std::string>& ids) {
  if (ids.empty()) return "None";
  if (ids.size() == 1) return "\"" + ids[0] + "\"";
  std::string out = "(";
  for (const auto& id : ids) out += "\"" + id + "\", ";
  return out + ")";
}

std::vector<std::string> ids_in(const std::string& text) {
  static const std::regex line(R"(^([0-9A-Za-z_]+)( \(.*)?$)");
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    std::smatch m;
    if (std::regex_match(l, m, line)) out.push_back(m[1]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string sqlalchemy_form(const std::string& url) {
  if (url.rfind("mysql://", 0) == 0) return "mysql+pymysql://" + url.substr(8);
  return url;
}

std::string py_revision_text(const PyRevision& r) {
  std::string out =
      "\"\"\"" + (r.message.empty() ? "Revision " + r.id : r.message) + "\n\nRevision ID: " + r.id +
      "\n\"\"\"\nfrom typing import Sequence, Union\n\n"
      "from alembic import op\nimport sqlalchemy as sa\n\n"
      "revision: str = \"" +
      r.id +
      "\"\n"
      "down_revision: Union[str, Sequence[str], None] = " +
      py_ids(r.down) +
      "\n"
      "branch_labels: Union[str, Sequence[str], None] = " +
      (r.branch_labels.empty() ? std::string("None") : "(\"" + r.branch_labels[0] + "\",)") +
      "\n"
      "depends_on: Union[str, Sequence[str], None] = " +
      py_ids(r.depends_on) +
      "\n\n\n"
      "def upgrade() -> None:\n";
  for (const auto& s : r.upgrade) out += "    op.execute(" + py_string(s) + ")\n";
  if (!r.upgrade_python.empty()) out += r.upgrade_python;
  if (r.upgrade.empty() && r.upgrade_python.empty()) out += "    pass\n";
  out += "\n\ndef downgrade() -> None:\n";
  for (const auto& s : r.downgrade) out += "    op.execute(" + py_string(s) + ")\n";
  if (r.downgrade.empty()) out += "    pass\n";
  return out;
}

AlembicProject::AlembicProject(std::filesystem::path dir, std::string url)
    : m_dir(std::move(dir)), m_url(sqlalchemy_form(url)) {
  std::filesystem::create_directories(versions());
  std::ofstream(m_dir / "env.py") << k_env_py;
  std::ofstream(ini())
      << "[alembic]\nscript_location = " << m_dir.string() << "\nsqlalchemy.url = " << m_url
      << "\n\n[loggers]\nkeys = root,alembic\n\n[handlers]\nkeys = console\n\n"
         "[formatters]\nkeys = generic\n\n[logger_root]\nlevel = WARN\n"
         "handlers = console\n\n[logger_alembic]\nlevel = INFO\nhandlers =\n"
         "qualname = alembic\n\n[handler_console]\nclass = StreamHandler\n"
         "args = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n"
         "[formatter_generic]\nformat = %(levelname)-5.5s [%(name)s] %(message)s\n";
}

void AlembicProject::add(const PyRevision& revision, const std::string& file_name) {
  std::ofstream(versions() / (file_name.empty() ? revision.id + ".py" : file_name))
      << py_revision_text(revision);
}

void AlembicProject::copy_versions_from(const std::filesystem::path& source) {
  for (const auto& entry : std::filesystem::directory_iterator(source)) {
    if (entry.is_regular_file()) {
      std::filesystem::copy_file(entry.path(), versions() / entry.path().filename(),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
}

ProcessResult AlembicProject::run(const std::vector<std::string>& args, int expected_exit) const {
  std::vector<std::string> argv{k_system_python, "-m", "alembic", "-c", ini().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions options;
  options.env["DATABASE_URL"] = m_url;
  options.env["PYTHONDONTWRITEBYTECODE"] = "1";
  options.cwd = m_dir.string();
  options.timeout = std::chrono::milliseconds(120'000);
  ProcessResult r = run_process(argv, options);
  if (r.exit_code != expected_exit) {
    std::string command;
    for (const auto& a : args) command += " " + a;
    ADD_FAILURE() << "alembic" << command << ": exit " << r.exit_code << " (expected "
                  << expected_exit << ")\n"
                  << r.out << r.err;
  }
  return r;
}

std::vector<std::string> AlembicProject::current() const {
  return ids_in(run({"current"}).out);
}

std::vector<std::string> AlembicProject::heads() const {
  return ids_in(run({"heads"}).out);
}

std::vector<std::string> AlembicProject::running_lines(const ProcessResult& result) {
  static const std::regex line(R"(Running ((up|down)grade .*)$)");
  std::vector<std::string> out;
  std::istringstream in(result.err);
  std::string l;
  while (std::getline(in, l)) {
    std::smatch m;
    if (std::regex_search(l, m, line)) out.push_back(m[1]);
  }
  return out;
}

std::string AlembicProject::runner_command(const std::string& verb) const {
  return std::string(k_system_python) + " -m alembic -c " + ini().string() + " " + verb +
         " {target}";
}

}  // namespace magent::test

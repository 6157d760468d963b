#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/engines.hpp"
#include "tests/support/process.hpp"

// A throwaway Alembic project for one test: alembic.ini, env.py (online and offline, the
// database URL from DATABASE_URL when set, as NOW LMS configures it) and versions/, run
// with Debian's /usr/bin/python3 -m alembic (python3-alembic 1.8.1).
namespace magent::test {

// Debian's interpreter, the only one that can import alembic here.
inline constexpr const char* k_system_python = "/usr/bin/python3";

// `url` (as tests/support/engines.hpp hands it out) in the form SQLAlchemy connects with:
// mysql:// becomes mysql+pymysql://, the others are kept.
std::string sqlalchemy_form(const std::string& url);

// One Alembic revision written as Python.
struct PyRevision {
  std::string id;
  std::vector<std::string> down = {};
  std::vector<std::string> depends_on = {};
  std::vector<std::string> branch_labels = {};
  std::vector<std::string> upgrade = {};  // statements, each run with op.execute()
  std::vector<std::string> downgrade = {};
  std::string upgrade_python = "";  // extra code at the end of upgrade()
  std::string message = "";
};

// The text of `revision` as an Alembic script (typed annotations, double quotes).
std::string py_revision_text(const PyRevision& revision);

class AlembicProject {
 public:
  // Writes alembic.ini (script_location = dir, sqlalchemy.url = url) and env.py into `dir`;
  // revisions go to dir/versions.
  AlembicProject(std::filesystem::path dir, std::string url);

  const std::filesystem::path& dir() const { return m_dir; }
  std::filesystem::path ini() const { return m_dir / "alembic.ini"; }
  std::filesystem::path versions() const { return m_dir / "versions"; }
  const std::string& url() const { return m_url; }

  // Writes a revision file into versions/ (default name "<id>.py").
  void add(const PyRevision& revision, const std::string& file_name = "");
  // Copies every file of `source` into versions/.
  void copy_versions_from(const std::filesystem::path& source);

  // Runs `python3 -m alembic -c alembic.ini ARGS` with DATABASE_URL set; the test fails
  // unless the exit code is `expected_exit`.
  ProcessResult run(const std::vector<std::string>& args, int expected_exit = 0) const;
  // The revision ids `alembic current` / `alembic heads` print, sorted.
  std::vector<std::string> current() const;
  std::vector<std::string> heads() const;
  // The "Running upgrade a -> b" lines Alembic logged in `result` (its stderr), in order.
  static std::vector<std::string> running_lines(const ProcessResult& result);

  // The [runner] command for the agent: `/usr/bin/python3 -m alembic -c <ini> <verb> {target}`.
  std::string runner_command(const std::string& verb = "upgrade") const;

 private:
  std::filesystem::path m_dir;
  std::string m_url;
};

}  // namespace magent::test

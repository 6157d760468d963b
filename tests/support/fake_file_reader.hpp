#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/source.hpp"

namespace magent::test {

// An in-memory config::FileReader: serves `files` by exact path, records every read, and
// fails other paths the way the real reader does ("cannot read ...: No such file...").
class FakeFileReader {
 public:
  FakeFileReader(std::initializer_list<std::pair<const std::string, std::string>> files = {})
      : m_files(std::make_shared<std::map<std::string, std::string>>(files)),
        m_reads(std::make_shared<std::vector<std::string>>()) {}

  // The reader to pass to load_config/build_config; shares this object's state.
  config::FileReader reader() const {
    return
        [files = m_files, reads = m_reads](const std::string& path) -> core::Result<std::string> {
          reads->push_back(path);
          const auto found = files->find(path);
          if (found == files->end()) {
            return core::make_error(core::ErrorKind::io,
                                    "cannot read \"" + path + "\": No such file or directory");
          }
          return found->second;
        };
  }

  // Adds or replaces a file.
  void add(const std::string& path, std::string content) { (*m_files)[path] = std::move(content); }
  // Every path read so far, in order.
  const std::vector<std::string>& reads() const { return *m_reads; }

 private:
  std::shared_ptr<std::map<std::string, std::string>> m_files;
  std::shared_ptr<std::vector<std::string>> m_reads;
};

}  // namespace magent::test

// Atomic writes and their temporaries: a file is written through "<path>.tmp.<pid>@<host>";
// remove_stale_temporaries removes the temporaries a killed writer left (its process gone on this
// host, or an old name without a host) and keeps a live process's, another host's and any other
// file (docs/reliability.md, "Interruptions (kill -9)").
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "io/atomic_file.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;

TEST(AtomicFile, WritesThroughItsTemporaryAndLeavesNone) {
  const std::string dir = test::scratch_dir("atomic_file_write");
  const std::string path = dir + "/a.tsv";
  const std::string tmp = temporary_path(path);
  EXPECT_EQ(tmp.rfind(path + ".tmp." + std::to_string(::getpid()), 0), 0u) << tmp;
  write_file_atomic(path, "x\n");
  EXPECT_EQ(read_file(path), "x\n");
  EXPECT_FALSE(fs::exists(tmp));
  {
    AtomicFileWriter w(path);
    w.write("partial");
    EXPECT_TRUE(fs::exists(tmp));
  }  // destroyed uncommitted: the old file stays, the temporary goes
  EXPECT_EQ(read_file(path), "x\n");
  EXPECT_FALSE(fs::exists(tmp));
}

TEST(AtomicFile, RemovesOnlyTheTemporariesOfDeadProcessesOfThisHost) {
  const std::string dir = test::scratch_dir("atomic_file_stale");
  const std::string mine = temporary_path(dir + "/live.tsv");  // this process: running
  const std::string host = mine.substr(mine.find('@'));        // "@<host>"
  const std::string dead = dir + "/a.tsv.tmp.999999999" + host;
  const std::string legacy = dir + "/b.tsv.tmp.999999998";  // written before the host was named
  const std::string other = dir + "/c.tsv.tmp.999999997@another-host";  // a shared file system
  const std::string plain = dir + "/d.tmp.tsv";
  const std::string notpid = dir + "/e.tsv.tmp.x1";
  for (const std::string& f : {mine, dead, legacy, other, plain, notpid}) write_file_atomic(f, "x");
  remove_stale_temporaries(dir);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(legacy));
  for (const std::string& f : {mine, other, plain, notpid}) EXPECT_TRUE(fs::exists(f)) << f;
  remove_stale_temporaries(dir + "/missing");  // no directory: nothing to do
}

}  // namespace
}  // namespace mint

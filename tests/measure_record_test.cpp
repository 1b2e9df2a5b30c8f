/// \file Record format: round trip, refused versions, malformed lines, kill-truncated files.
#include <gtest/gtest.h>

#include <fstream>

#include "measure_test_util.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune {
namespace {

MeasureRecord sample_record() {
  MeasureRecord r;
  r.workload = "matmul:M=4,N=4,K=4";
  r.target = "x86-64-linux";
  r.hardware = {2, 64, 64, 0, 0, 0, 0, 0};
  r.steps = nlohmann::json::array({nlohmann::json::array({"AN", 2, 1, 2})});
  r.result.costs = {1e-3, 2e-3};
  r.result.error_msg = "";
  r.result.build_s = 0.5;
  r.result.checked = true;
  r.seed = 9;
  return r;
}

std::string error_reading(const std::string &path) {
  try {
    read_records(path);
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

TEST(Records, RoundTrip) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  {
    RecordWriter w(path);
    w.append(sample_record());
    MeasureRecord f = sample_record();
    f.result.error = MeasureErrorCode::RunTimeout;
    f.result.costs = {kFailedCost};
    f.result.error_msg = "run killed";
    w.append(f);
  }
  auto rs = read_records(path);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(record_to_json(rs[0]), record_to_json(sample_record()));
  EXPECT_EQ(rs[1].result.error, MeasureErrorCode::RunTimeout);
  EXPECT_DOUBLE_EQ(rs[0].result.mean_cost(), 1.5e-3);
}

TEST(Records, OtherVersionsAndMalformedLinesAreRefused) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  nlohmann::json j = record_to_json(sample_record());
  j["v"] = "v0.6";
  std::ofstream(path) << record_to_json(sample_record()).dump() << "\n" << j.dump() << "\n";
  std::string err = error_reading(path);
  EXPECT_NE(err.find(":2:"), std::string::npos) << err;
  EXPECT_NE(err.find("v0.6"), std::string::npos) << err;
  std::ofstream(path) << "{not json\n" << record_to_json(sample_record()).dump() << "\n";
  EXPECT_NE(error_reading(path).find(":1:"), std::string::npos);
  j = record_to_json(sample_record());
  j.erase("costs");
  std::ofstream(path) << j.dump() << "\n";
  EXPECT_NE(error_reading(path).find("costs"), std::string::npos);
  j = record_to_json(sample_record());
  j["error_code"] = 99;
  std::ofstream(path) << j.dump() << "\n";
  EXPECT_NE(error_reading(path).find("error_code"), std::string::npos);
  EXPECT_NE(error_reading(dir.file("missing.jsonl")).find("cannot open"), std::string::npos);
}

TEST(Records, KillTruncatedLastLineIsDroppedAndAppendingContinues) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  std::string full = record_to_json(sample_record()).dump();
  std::ofstream(path) << full << "\n" << full.substr(0, full.size() / 2);
  EXPECT_EQ(read_records(path).size(), 1u);  // the partial line is skipped
  {
    RecordWriter w(path);  // repairs the file
    w.append(sample_record());
  }
  auto rs = read_records(path);
  EXPECT_EQ(rs.size(), 2u);
}

TEST(Records, WriterCreatesTheDirectory) {
  testing::ScratchDir dir;
  std::string path = dir.file("runs/today/r.jsonl");
  RecordWriter(path).append(sample_record());
  EXPECT_EQ(read_records(path).size(), 1u);
}

TEST(Records, CompleteLastLineWithoutNewlineIsKept) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  std::ofstream(path) << record_to_json(sample_record()).dump();
  {
    RecordWriter w(path);
    w.append(sample_record());
  }
  EXPECT_EQ(read_records(path).size(), 2u);
}

TEST(Records, ALastLineThatIsJsonButNoRecordIsRefusedNotRemoved) {
  testing::ScratchDir dir;
  std::string path = dir.file("notes.jsonl");
  std::string content = record_to_json(sample_record()).dump() + "\n{\"my\": \"notes\"}";
  std::ofstream(path) << content;
  try {
    RecordWriter w(path);
    ADD_FAILURE() << "the writer accepted a file whose last line is no record";
  } catch (const UserError &e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadRecord);
    EXPECT_NE(std::string(e.what()).find("the last line is not a record"), std::string::npos)
        << e.what();
  }
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), content);
}

TEST(Records, OneWriterAtATime) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  {
    RecordsLock lock(path);
    EXPECT_THROW(RecordWriter{path}, UserError);
    RecordWriter w(path, std::move(lock));  // the holder writes
    w.append(sample_record());
    EXPECT_THROW(RecordsLock{path}, UserError);
  }
  RecordWriter again(path);  // released with its holder
  again.append(sample_record());
  EXPECT_EQ(read_records(path).size(), 2u);
}

}  // namespace
}  // namespace worldtune

/// \file Corpora: workload lists, round kinds, xz-compressed records read like plain ones, two
/// machines forming two label groups, settings files compared key by key, and the ranking metrics
/// on cases with known answers.
#include "dataset/dataset.h"

#include <gtest/gtest.h>
#include <lzma.h>

#include <fstream>
#include <sstream>

#include "cost_model/xgb_model.h"
#include "dataset/corpus.h"
#include "measure_test_util.h"
#include "support/machine.h"
#include "support/settings_file.h"
#include "test_states.h"
#include "training/ranking_metrics.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune {
namespace {

using testing::slurp;

const char *kKey = "matmul:M=16,N=16,K=16";

/// Records of random schedules of kKey, measured (synthetically) on `machine`.
std::vector<MeasureRecord> records_on(const MachineInfo &machine, int n, double scale) {
  std::vector<MeasureRecord> out;
  int i = 0;
  for (const schedule::State &s : testing::random_states(kKey, n, 5)) {
    MeasureRecord r;
    r.workload = kKey;
    r.target = "x86-64-linux-avx2";
    r.machine = machine_json(machine, r.target);
    r.hardware = {machine.cores, 64, 64, 0, 0, 0, 0, 0};
    r.steps = schedule::steps_to_json(s.steps());
    r.result.costs = {scale * (1 + i++)};
    out.push_back(r);
  }
  return out;
}

void write(const std::string &path, const std::vector<MeasureRecord> &recs) {
  RecordWriter w(path);
  for (const MeasureRecord &r : recs) w.append(r);
}

/// `path` compressed with liblzma into `out`, as `xz` would.
void xz_file(const std::string &path, const std::string &out) {
  std::string in = slurp(path);
  std::string buf(lzma_stream_buffer_bound(in.size()), '\0');
  size_t pos = 0;
  ASSERT_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                                    reinterpret_cast<const uint8_t *>(in.data()), in.size(),
                                    reinterpret_cast<uint8_t *>(buf.data()), &pos, buf.size()),
            LZMA_OK);
  std::ofstream(out, std::ios::binary) << buf.substr(0, pos);
}

MachineInfo machine(const std::string &cpu, int cores) {
  MachineInfo m;
  m.cpu = cpu;
  m.vendor = "GenuineIntel";
  m.family = 6;
  m.model = 143;
  m.cores = cores;
  return m;
}

TEST(Dataset, WorkloadListsSkipCommentsAndNameBadLines) {
  testing::ScratchDir dir;
  std::ofstream(dir.file("ok.txt")) << "# a comment\n\nmatmul:M=8,N=8,K=8  # trailing\n"
                                    << "softmax:B=1,M=4,N=4\n";
  EXPECT_EQ(dataset::read_workload_list(dir.file("ok.txt")),
            (std::vector<std::string>{"matmul:M=8,N=8,K=8", "softmax:B=1,M=4,N=4"}));
  std::ofstream(dir.file("bad.txt")) << "matmul:M=8,N=8,K=8\nnosuchop:X=1\n";
  try {
    dataset::read_workload_list(dir.file("bad.txt"));
    FAIL();
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:2:"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("twice.txt")) << "matmul:M=8,N=8,K=8\nmatmul:K=8,M=8,N=8\n";
  EXPECT_THROW(dataset::read_workload_list(dir.file("twice.txt")), UserError);
}

TEST(Dataset, FileNamesAndRoundKinds) {
  EXPECT_EQ(dataset::workload_file_name("conv2d_nhwc:N=1,H=56,K=3"),
            "conv2d_nhwc__N1_H56_K3.jsonl");
  std::string kinds;
  for (int k = 0; k < 8; ++k) kinds += dataset::is_guided_round(k, 0.5) ? 'g' : 'r';
  EXPECT_EQ(kinds, "rgrgrgrg");
  kinds.clear();
  for (int k = 0; k < 6; ++k) kinds += dataset::is_guided_round(k, 0) ? 'g' : 'r';
  EXPECT_EQ(kinds, "rrrrrr");
  kinds.clear();
  for (int k = 0; k < 4; ++k) kinds += dataset::is_guided_round(k, 1) ? 'g' : 'r';
  EXPECT_EQ(kinds, "rggg");  // the first round is random: the guide needs data
}

TEST(Dataset, XzCompressedRecordsReadLikePlainOnes) {
  testing::ScratchDir dir;
  write(dir.file("a.jsonl"), records_on(machine("Xeon A", 8), 20, 1e-3));
  xz_file(dir.file("a.jsonl"), dir.file("a.jsonl.xz"));
  ASSERT_LT(slurp(dir.file("a.jsonl.xz")).size(), slurp(dir.file("a.jsonl")).size() / 3);
  auto plain = read_records(dir.file("a.jsonl"));
  auto packed = read_records(dir.file("a.jsonl.xz"));
  ASSERT_EQ(plain.size(), 20u);
  ASSERT_EQ(packed.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_EQ(record_to_json(packed[i]), record_to_json(plain[i]));
  // A folder corpus finds the compressed file too.
  std::filesystem::remove(dir.file("a.jsonl"));
  auto groups = dataset::load_corpus({dir.path()});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].records.size(), 20u);
}

TEST(Dataset, LargeAndConcatenatedXzStreamsReadWhole) {
  testing::ScratchDir dir;
  // About 1 MB of records, beyond the reader's buffers, in two xz streams one after the other
  // (what `xz` writes when appending).
  std::vector<MeasureRecord> all;
  for (int i = 0; i < 6; ++i)
    for (MeasureRecord &r : records_on(machine("Xeon A", 8), 200, 1e-3 * (i + 1))) all.push_back(r);
  std::vector<MeasureRecord> first(all.begin(), all.begin() + 500),
      second(all.begin() + 500, all.end());
  write(dir.file("1.jsonl"), first);
  write(dir.file("2.jsonl"), second);
  xz_file(dir.file("1.jsonl"), dir.file("1.xz"));
  xz_file(dir.file("2.jsonl"), dir.file("2.xz"));
  std::ofstream(dir.file("both.jsonl.xz"), std::ios::binary)
      << slurp(dir.file("1.xz")) << slurp(dir.file("2.xz"));
  ASSERT_GT(slurp(dir.file("1.jsonl")).size() + slurp(dir.file("2.jsonl")).size(), 600000u);
  auto read = read_records(dir.file("both.jsonl.xz"));
  ASSERT_EQ(read.size(), all.size());
  for (size_t i = 0; i < all.size(); i += 97)
    EXPECT_EQ(record_to_json(read[i]), record_to_json(all[i])) << i;
  EXPECT_EQ(record_to_json(read.back()), record_to_json(all.back()));
}

TEST(Dataset, CorruptXzIsAnErrorNamingTheFileAndAppendingToXzIsRefused) {
  testing::ScratchDir dir;
  write(dir.file("a.jsonl"), records_on(machine("Xeon A", 8), 20, 1e-3));
  xz_file(dir.file("a.jsonl"), dir.file("a.jsonl.xz"));
  std::string bytes = slurp(dir.file("a.jsonl.xz"));
  bytes.resize(bytes.size() / 2);  // cut short
  std::ofstream(dir.file("cut.jsonl.xz"), std::ios::binary) << bytes;
  try {
    read_records(dir.file("cut.jsonl.xz"));
    FAIL();
  } catch (const UserError &e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadRecord);
    EXPECT_NE(std::string(e.what()).find("cut.jsonl.xz"), std::string::npos) << e.what();
  }
  std::string before = slurp(dir.file("a.jsonl.xz"));
  EXPECT_THROW(RecordWriter w(dir.file("a.jsonl.xz")), UserError);
  EXPECT_EQ(slurp(dir.file("a.jsonl.xz")), before);  // nothing recorded is lost
}

TEST(Dataset, RecordsOfTwoMachinesNormalizeSeparately) {
  testing::ScratchDir dir;
  // The same programs: machine B is 10x slower. Its labels must not be set by machine A's speed.
  std::vector<MeasureRecord> recs = records_on(machine("Xeon A", 8), 10, 1e-3);
  for (MeasureRecord &r : records_on(machine("Xeon B", 4), 10, 1e-2)) recs.push_back(r);
  MeasureRecord old = recs[0];  // a record from before the machine field
  old.machine = nullptr;
  old.result.costs = {5e-3};
  recs.push_back(old);
  write(dir.file("r.jsonl"), recs);
  auto groups = dataset::load_corpus({dir.file("r.jsonl")});
  ASSERT_EQ(groups.size(), 3u);
  std::vector<std::string> group_of;
  std::vector<double> costs;
  for (const auto &m : dataset::measured_states(groups)) {
    group_of.push_back(m.task->label_group());
    costs.push_back(m.result.mean_cost());
  }
  std::vector<float> labels = cost_model::normalized_throughput(group_of, costs);
  ASSERT_EQ(labels.size(), 21u);
  int ones = 0;
  for (float y : labels) ones += y == 1.0f;
  EXPECT_EQ(ones, 3);  // each machine's fastest program, and the lone old record
  for (size_t i = 0; i < labels.size(); ++i) {
    if (costs[i] == 2e-3 || costs[i] == 2e-2) {
      EXPECT_FLOAT_EQ(labels[i], 0.5f);
    }
  }
  EXPECT_NE(groups[0].task->machine, groups[1].task->machine);
  // A group where everything failed teaches nothing good about failing.
  EXPECT_EQ(cost_model::normalized_throughput({"w @ m", "w @ m"}, {kFailedCost, kFailedCost}),
            (std::vector<float>{0, 0}));
}

TEST(Dataset, CpuinfoIsParsed) {
  MachineInfo m = parse_cpuinfo(
      "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
      "model name\t: AMD EPYC 9654 96-Core Processor\n\nprocessor\t: 1\nmodel name\t: other\n");
  EXPECT_EQ(m.cpu, "AMD EPYC 9654 96-Core Processor");
  EXPECT_EQ(m.vendor, "AuthenticAMD");
  EXPECT_EQ(m.family, 25);
  EXPECT_EQ(m.model, 17);
}

TEST(Dataset, CacheSizesAreReadFromSysfsAndRecordedOnlyWhenKnown) {
  testing::ScratchDir dir;
  auto cache = [&](const char *index, const char *level, const char *type, const char *size) {
    std::filesystem::create_directories(dir.file(index));
    std::ofstream(dir.file(std::string(index) + "/level")) << level << "\n";
    std::ofstream(dir.file(std::string(index) + "/type")) << type << "\n";
    std::ofstream(dir.file(std::string(index) + "/size")) << size << "\n";
  };
  cache("index0", "1", "Data", "48K");
  cache("index1", "1", "Instruction", "32K");  // not a data cache: ignored
  cache("index2", "2", "Unified", "1280K");
  cache("index3", "3", "Unified", "32M");
  MachineInfo m;
  read_cache_sizes(dir.path(), m);
  EXPECT_EQ(m.l1d_bytes, 48 << 10);
  EXPECT_EQ(m.l2_bytes, 1280 << 10);
  EXPECT_EQ(m.l3_bytes, 32 << 20);
  EXPECT_EQ(machine_json(m, "host")["caches"]["l2"], 1280 << 10);
  MachineInfo unknown;
  read_cache_sizes(dir.file("no-such-folder"), unknown);
  EXPECT_EQ(unknown.l1d_bytes, 0);
  EXPECT_FALSE(machine_json(unknown, "host").contains("caches"));  // as older records
}

TEST(SettingsFile, ResumesCompareKeyByKeyAndRefuseOtherFiles) {
  testing::ScratchDir dir;
  nlohmann::json was = {{"format", "f-1"}, {"seed", 1}, {"per_round", 32}};
  write_json_file(dir.file("s.json"), was, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.file("s.json.tmp")));
  EXPECT_EQ(read_settings_file(dir.file("s.json"), "f-1"), was);
  EXPECT_FALSE(changed_setting(was, was));
  nlohmann::json now = was;
  now["per_round"] = 64;
  std::optional<SettingChange> c = changed_setting(was, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key, "per_round");
  EXPECT_EQ(c->was, 32);
  EXPECT_EQ(c->now, 64);
  now = was;
  now["model_options"] = nlohmann::json::object();  // added later, left empty: still matches
  now["model_digest"] = "";
  now["local_share"] = 0.0;
  now["online"] = false;
  EXPECT_FALSE(changed_setting(was, now));
  now["guide"] = "xgb";  // added later with a value: a change from nothing
  c = changed_setting(was, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key, "guide");
  EXPECT_TRUE(c->was.is_null());
  for (const char *bad : {"{\"format\": \"f-2\"}", "{\"format\": 3}", "[1]", "{not json"}) {
    std::ofstream(dir.file("bad.json")) << bad;
    try {
      read_settings_file(dir.file("bad.json"), "f-1");
      FAIL() << bad;
    } catch (const UserError &e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadRecord);
      EXPECT_NE(std::string(e.what()).find("bad.json is not a f-1 settings file"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(RankingMetrics, KnownAnswers) {
  using training::ranking_metrics;
  auto perfect = ranking_metrics({1, 2, 3, 4}, {4, 3, 2, 1});
  EXPECT_DOUBLE_EQ(perfect.pairwise, 1);
  EXPECT_DOUBLE_EQ(perfect.top1, 1);
  EXPECT_DOUBLE_EQ(perfect.spearman, 1);
  auto reversed = ranking_metrics({1, 2, 3, 4}, {1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(reversed.pairwise, 0);
  EXPECT_DOUBLE_EQ(reversed.top1, 0.25);  // it picks the slowest: best 1 / picked 4
  EXPECT_DOUBLE_EQ(reversed.top5, 1);     // 5 picks hold all four
  EXPECT_DOUBLE_EQ(reversed.spearman, -1);
  // Worked by hand: pairs (0,1) and (0,2) wrong, (1,2) right; the top score picks cost 2;
  // throughput ranks (3,2,1) against score ranks (1,3,2): correlation -1/2.
  auto mixed = ranking_metrics({1, 2, 3}, {1, 3, 2});
  EXPECT_NEAR(mixed.pairwise, 1.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(mixed.top1, 0.5);
  EXPECT_NEAR(mixed.spearman, -0.5, 1e-12);
  // Equal scores earn half a pair; equal costs are no pair.
  EXPECT_DOUBLE_EQ(ranking_metrics({1, 2}, {5, 5}).pairwise, 0.5);
  EXPECT_DOUBLE_EQ(ranking_metrics({1, 1, 2}, {0, 1, 2}).pairwise, 0);
  // Top-5 of seven programs: the best is 6th by score.
  auto top = ranking_metrics({7, 6, 5, 4, 3, 1, 2}, {7, 6, 5, 4, 3, 2, 1});
  EXPECT_DOUBLE_EQ(top.top5, 1.0 / 3);
  auto mean = training::mean_metrics({perfect, reversed});
  EXPECT_DOUBLE_EQ(mean.pairwise, 0.5);
  EXPECT_EQ(mean.programs, 8);
}

}  // namespace
}  // namespace worldtune

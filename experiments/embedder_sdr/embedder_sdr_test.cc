// Runs the embedder_sdr binary with the quick preset (MNIST, 3000 training and
// 1000 test images, 2 epochs, one seed) and checks the values it reports.
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/base/file_io.h"
#include "lib/harness/experiment_testing.h"

namespace {

using sparselab::experiment_testing::FindRow;

std::string Tmp() { return sparselab::experiment_testing::TestTmpDir(); }

const nlohmann::json& Row(const nlohmann::json& j, const std::string& name) { return FindRow(j, name); }

double Mean(const nlohmann::json& row, const std::string& metric) {
  return sparselab::experiment_testing::MetricMean(row, metric);
}

bool NonEmptyFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

class EmbedderSdrQuickTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exit_code_ = sparselab::experiment_testing::RunExperimentBinary(
        "embedder_sdr", "--preset=quick --threads=1 --out=" + Tmp());
    auto j = sparselab::ReadJsonFile(Tmp() + "/result-quick.json");
    if (j.ok()) result_ = new nlohmann::json(*j);
  }
  static int exit_code_;
  static nlohmann::json* result_;
};
int EmbedderSdrQuickTest::exit_code_ = -1;
nlohmann::json* EmbedderSdrQuickTest::result_ = nullptr;

TEST_F(EmbedderSdrQuickTest, RunsAndWritesEveryVariant) {
  ASSERT_EQ(exit_code_, 0);
  ASSERT_NE(result_, nullptr);
  EXPECT_EQ((*result_)["preset"], "quick");
  for (const char* v : {"softmax", "kwta", "kwta_scaling", "kwta_pretrained",
                        "kwta_pretrained_scaling", "kwta_hidden"}) {
    Row(*result_, std::string("mnist/") + v);
  }
}

TEST_F(EmbedderSdrQuickTest, ModelsLearn) {
  ASSERT_NE(result_, nullptr);
  // Ten classes: chance is 0.1. 2 epochs on 3000 images reach ~0.7 in both heads.
  EXPECT_GT(Mean(Row(*result_, "mnist/softmax"), "test_accuracy"), 0.5);
  const nlohmann::json& kwta = Row(*result_, "mnist/kwta");
  EXPECT_GT(Mean(kwta, "accuracy_centroid_cosine"), 0.4);
  EXPECT_GT(Mean(kwta, "accuracy_centroid_hamming"), 0.4);
  EXPECT_GT(Mean(kwta, "accuracy_knn5"), 0.4);
  EXPECT_GT(Mean(Row(*result_, "mnist/kwta_pretrained"), "accuracy_centroid_cosine"), 0.4);
}

TEST_F(EmbedderSdrQuickTest, CodeMeasuresAreConsistent) {
  ASSERT_NE(result_, nullptr);
  for (const char* v : {"kwta", "kwta_scaling", "kwta_hidden"}) {
    const nlohmann::json& r = Row(*result_, std::string("mnist/") + v);
    // k = ceil(0.05 * 256) = 13 winners of 256 in every eval-mode code.
    EXPECT_NEAR(Mean(r, "code_sparsity"), 13.0 / 256.0, 1e-3) << v;
    const double dead = Mean(r, "dead_units"), on = Mean(r, "always_on_units");
    EXPECT_GE(dead, 0);
    EXPECT_LE(dead + on, 256 - 13);  // at least 13 units must fire on some code
    EXPECT_GT(Mean(r, "firing_entropy_bits"), 0);
    EXPECT_LE(Mean(r, "firing_entropy_fraction_of_max"), 1.0 + 1e-9);
    // Trained codes: same-class codes share more bits than different-class ones.
    EXPECT_GT(Mean(r, "overlap_within_class"), Mean(r, "overlap_between_class")) << v;
    EXPECT_LE(Mean(r, "overlap_within_class"), 13.0);
    // Union: |a OR b| / 256 lies in [13, 26] / 256, and the overlay's code
    // lands in the union far above that chance level.
    const double chance = Mean(r, "union_chance_precision");
    EXPECT_GE(chance, 13.0 / 256 - 1e-9);
    EXPECT_LE(chance, 26.0 / 256 + 1e-9);
    EXPECT_GT(Mean(r, "union_precision"), 2 * chance) << v;
    EXPECT_LE(Mean(r, "union_recall"), 1.0);
  }
}

TEST_F(EmbedderSdrQuickTest, InformationPlaneAndFanoBound) {
  ASSERT_NE(result_, nullptr);
  const nlohmann::json& planes = (*result_)["information_plane"]["mnist"];
  for (const char* est : {"ksg", "gcmi", "mine"}) {
    ASSERT_TRUE(planes.contains(est)) << est;
    const nlohmann::json& layers = planes[est]["0"]["layers"];
    ASSERT_EQ(layers.size(), 4u) << est;  // softmax/{hidden,output}, kwta/{hidden,code}
    for (const auto& layer : layers) {
      EXPECT_EQ(layer["epoch"], nlohmann::json({0, 1, 2})) << est << " " << layer["name"];
      for (const auto& v : layer["i_ty"]) EXPECT_TRUE(std::isfinite(v.get<double>()));
    }
    for (const char* row : {"mnist/softmax", "mnist/kwta"}) {
      const nlohmann::json& r = Row(*result_, row);
      const std::string layer = std::string(row) == "mnist/kwta" ? "code" : "output";
      const double bound = Mean(r, std::string("fano_accuracy_bound_") + est + "_" + layer);
      EXPECT_GE(bound, 0.1 - 1e-9) << est;  // never below chance
      EXPECT_LE(bound, 1.0) << est;
      EXPECT_GT(Mean(r, std::string("i_ty_bits_") + est + "_" + layer), 0.2) << est;
    }
  }
  // A KSG estimate of I(T;Y) below H(Y) = log2(10) gives a bound below 1.
  EXPECT_LT(Mean(Row(*result_, "mnist/kwta"), "fano_accuracy_bound_ksg_code"), 1.0);
}

TEST_F(EmbedderSdrQuickTest, WritesFigures) {
  ASSERT_EQ(exit_code_, 0);
  EXPECT_TRUE(NonEmptyFile(Tmp() + "/mean_code_mnist_kwta-quick.png"));
  EXPECT_TRUE(NonEmptyFile(Tmp() + "/mean_code_mnist_kwta_hidden-quick.png"));
  for (const char* est : {"ksg", "gcmi", "mine"}) {
    EXPECT_TRUE(NonEmptyFile(Tmp() + "/information_plane_mnist_" + est + "-quick.png")) << est;
  }
}

// Runs the quick preset with the --set value `sets` into $TEST_TMPDIR/<name>
// and returns its result-quick.json (null, and a test failure, when it fails).
nlohmann::json RunQuick(const std::string& name, const std::string& sets) {
  const std::string out = Tmp() + "/" + name;
  const int code = sparselab::experiment_testing::RunExperimentBinary(
      "embedder_sdr", "--preset=quick --threads=1 --out=" + out + " --set='" + sets + "'");
  if (code != 0) {
    ADD_FAILURE() << name << ": exit code " << code << "\n"
                  << sparselab::experiment_testing::ExperimentStderr("embedder_sdr");
    return nullptr;
  }
  auto j = sparselab::ReadJsonFile(out + "/result-quick.json");
  if (!j.ok()) {
    ADD_FAILURE() << j.status();
    return nullptr;
  }
  return *j;
}

TEST(EmbedderSdrConfigTest, RunsWithoutInformationPlanes) {
  const nlohmann::json j = RunQuick("no_mi", "variants=[\"kwta\"],mi_variants=[],epochs=1");
  ASSERT_FALSE(j.is_null());
  EXPECT_FALSE(j.contains("information_plane"));
  EXPECT_GT(Mean(Row(j, "mnist/kwta"), "accuracy_knn5"), 0.2);
}

// Gradient-free classification by Willshaw association (issue of the
// EmbedderSDR document's goal): the trained kWTA codes against the untrained
// network's, 10 ... 3000 stored training pairs of 13-of-256 codes with
// 13-of-256 label codes.
TEST(EmbedderSdrConfigTest, WillshawClassificationOfTrainedAndUntrainedCodes) {
  const nlohmann::json j = RunQuick(
      "willshaw",
      "variants=[\"kwta\",\"kwta_untrained\"],mi_variants=[],willshaw_pairs=[10,100,1000,3000],"
      "willshaw_capacity=[{\"n\":256,\"k\":13,\"pairs\":[100,1000]}]");
  ASSERT_FALSE(j.is_null());
  const auto& trained = Row(j, "mnist/kwta");
  const auto& untrained = Row(j, "mnist/kwta_untrained");
  EXPECT_FALSE(untrained["metrics"].contains("train_loss"));  // never trained
  double previous_fill = 0;
  for (const char* n : {"10", "100", "1000", "3000"}) {
    for (const auto* row : {&trained, &untrained}) {
      const double acc = Mean(*row, std::string("willshaw_accuracy_") + n);
      EXPECT_GE(acc, 0.0);
      EXPECT_LE(acc, 1.0);
    }
    const double fill = Mean(trained, std::string("willshaw_fill_") + n);
    EXPECT_GE(fill, previous_fill) << n;  // synapses are only ever set
    previous_fill = fill;
  }
  // 10 pairs of 13 x 13 active bits set at most 1,690 of the 65,536 synapses.
  EXPECT_LE(Mean(trained, "willshaw_fill_10"), 1690.0 / 65536.0);
  // The learned codes associate better than the random network's (0.545
  // against 0.367 at 100 pairs, seed 0, one thread).
  EXPECT_GT(Mean(trained, "willshaw_accuracy_100"), Mean(untrained, "willshaw_accuracy_100") + 0.1);
  EXPECT_GT(Mean(trained, "accuracy_centroid_cosine"), Mean(untrained, "accuracy_centroid_cosine"));
  // Capacity on random 13-of-256 codes: p1 = 1 - (1 - 169/65536)^M is 0.2276 at
  // M = 100 and 0.9244 at M = 1000; 100 pairs come back exactly, 1000 do not.
  const auto& few = Row(j, "capacity/n=256,k=13/M=100");
  const auto& many = Row(j, "capacity/n=256,k=13/M=1000");
  EXPECT_NEAR(Mean(few, "expected_synapse_fill"), 0.2276, 1e-4);
  EXPECT_NEAR(Mean(few, "synapse_fill"), 0.2276, 0.01);
  EXPECT_EQ(Mean(few, "perfect_recall"), 1.0);
  EXPECT_NEAR(Mean(many, "synapse_fill"), 0.9244, 0.01);
  EXPECT_EQ(Mean(many, "perfect_recall"), 0.0);
  EXPECT_GT(Mean(many, "spurious_bits"), 50.0);
}

// Meaningful-perturbation masks of the softmax and kWTA models on 4 test
// images: the masks' deletion order removes the evidence faster than a random
// order (smaller deletion area), and the grid of images, masks and masked
// images is written.
TEST(EmbedderSdrConfigTest, PerturbationMasksBeatRandomDeletion) {
  const nlohmann::json j = RunQuick(
      "masks", "variants=[\"softmax\",\"kwta\"],mi_variants=[],mask_images=4,mask_steps=150");
  ASSERT_FALSE(j.is_null());
  for (const char* row : {"mnist/softmax", "mnist/kwta"}) {
    const auto& r = Row(j, row);
    EXPECT_LT(Mean(r, "deletion_auc_mask"), Mean(r, "deletion_auc_random")) << row;
    EXPECT_GT(Mean(r, "mask_deleted_area"), 0.0) << row;
    EXPECT_LT(Mean(r, "mask_deleted_area"), 1.0) << row;
    EXPECT_LT(Mean(r, "mask_final_score"), Mean(r, "mask_original_score")) << row;
  }
  // The kWTA score is the strongest unit's pre-activation over its clean value.
  EXPECT_DOUBLE_EQ(Mean(Row(j, "mnist/kwta"), "mask_original_score"), 1.0);
  for (const char* png : {"masks_mnist_softmax-quick.png", "masks_mnist_kwta-quick.png"}) {
    EXPECT_TRUE(NonEmptyFile(Tmp() + "/masks/" + png)) << png;
  }
}

// The contrastive-collapse question on the quick preset: same-class pairs only
// drive the dense embeddings of different classes to the same direction
// (cosine distance between classes near 0), negatives keep them apart.
TEST(EmbedderSdrConfigTest, ContrastivePositivesOnlyCollapseTheDenseEmbedding) {
  const nlohmann::json j = RunQuick("collapse",
                                    "variants=[\"contrastive_dense_positives\","
                                    "\"contrastive_kwta_positives\",\"contrastive_dense\","
                                    "\"contrastive_kwta\"],mi_variants=[]");
  ASSERT_FALSE(j.is_null());
  const auto& dense_pos = Row(j, "mnist/contrastive_dense_positives");
  const auto& dense = Row(j, "mnist/contrastive_dense");
  EXPECT_LT(Mean(dense_pos, "between_class_distance"), 0.05);
  EXPECT_GT(Mean(dense, "between_class_distance"), 0.2);
  EXPECT_GT(Mean(dense, "accuracy_centroid_cosine"), Mean(dense_pos, "accuracy_centroid_cosine"));
  for (const char* v : {"contrastive_kwta_positives", "contrastive_kwta"}) {
    const auto& r = Row(j, std::string("mnist/") + v);
    EXPECT_GE(Mean(r, "distinct_codes"), 2) << v;  // k units stay on: never one code for all
    EXPECT_LE(Mean(r, "distinct_codes"), 1000) << v;
  }
}

// Values of the right type but impossible meaning are refused before any work
// (before a data set is read), each with a message naming the key, the value
// and the rule.
TEST(EmbedderSdrConfigTest, ImpossibleValuesAreRefusedBeforeAnyWork) {
  sparselab::experiment_testing::ExpectSettingsRejected(
      "embedder_sdr", "--preset=quick --threads=1",
      {
          {"variants=[\"kwta_pretrained\"]",
           {"config key 'variants' = [\"kwta_pretrained\"] (preset quick)",
            "\"softmax\" must come before it"}},
          {"variants=[\"nonsense\"]", {"'variants'", "unknown variant 'nonsense'", "use softmax"}},
          {"variants=[]", {"'variants' = []", "at least one variant"}},
          {"variants=[\"kwta\",\"kwta\"]", {"'variants'", "'kwta' is listed twice"}},
          {"mi_variants=[\"bogus\"]", {"'mi_variants'", "'bogus' is not in"}},
          {"datasets=[]", {"'datasets' = []", "at least one data set"}},
          {"datasets=[\"cifar\"]", {"'datasets'", "unknown data set 'cifar'"}},
          {"datasets=[\"mnist\",\"mnist\"]", {"'datasets'", "'mnist' is listed twice"}},
          {"train_samples=-1", {"'train_samples' = -1", "must be >= 0"}},
          {"epochs=0", {"'epochs' = 0", "at least 1 epoch"}},
          {"batch_size=1", {"'batch_size' = 1", ">= 2 samples"}},
          {"optimizer=\"rmsprop\"", {"'optimizer' = \"rmsprop\"", "use adam or sgd"}},
          {"lr=0", {"'lr' = 0", "learning rate must be > 0"}},
          {"momentum=1.0", {"'momentum' = 1.0", "[0, 1)"}},
          {"weight_decay=-0.1", {"'weight_decay' = -0.1", ">= 0"}},
          {"embedding_dim=1", {"'embedding_dim' = 1", ">= 2 units"}},
          {"code_sparsity=0", {"'code_sparsity' = 0", "(0, 1)"}},
          {"code_sparsity=1.0", {"'code_sparsity' = 1.0", "(0, 1)"}},
          {"hidden_sparsity=1.5", {"'hidden_sparsity' = 1.5", "(0, 1)"}},
          {"kwta_training=\"hard\"", {"'kwta_training' = \"hard\"", "soft or binary"}},
          {"kwta_hardness=0", {"'kwta_hardness' = 0", "> 0"}},
          {"scaling_boost=-1", {"'scaling_boost' = -1", ">= 0"}},
          {"scaling_period=0", {"'scaling_period' = 0", ">= 1 sample"}},
          {"triplet_margin=-0.5", {"'triplet_margin' = -0.5", ">= 0"}},
          {"triplet_distance=\"l1\"", {"'triplet_distance' = \"l1\"", "cosine or l2"}},
          {"triplet_negatives=\"all\"", {"'triplet_negatives'", "hardest or random"}},
          {"knn_k=0", {"'knn_k' = 0", "k >= 1"}},
          {"knn_train_samples=3", {"'knn_train_samples' = 3", ">= knn_k = 5"}},
          {"union_pairs=501", {"'union_pairs' = 501", "test_samples / 2 pairs = 500"}},
          {"union_pairs=0", {"'union_pairs' = 0", "1 to test_samples / 2"}},
          {"mi_every=0", {"'mi_every' = 0", "mi_every >= 1"}},
          {"mi_estimators=[\"ksg\",\"bins\"]", {"'mi_estimators'", "unknown estimator 'bins'"}},
          {"ksg_k=0", {"'ksg_k' = 0", "k >= 1"}},
          {"mi_samples=3", {"'mi_samples' = 3", "more than ksg_k = 3"}},
          {"mi_samples=2000", {"'mi_samples' = 2000", "at most test_samples"}},
          {"mi_pca_dim=-1", {"'mi_pca_dim' = -1", ">= 0"}},
          {"mine_iterations=0", {"'mine_iterations' = 0", "at least 1 iteration"}},
          {"mine_hidden=0", {"'mine_hidden' = 0", ">= 1 hidden unit"}},
          {"mine_batch=1", {"'mine_batch' = 1", ">= 2 samples"}},
          {"mine_learning_rate=-1", {"'mine_learning_rate' = -1", "must be > 0"}},
          {"mine_average_last=101", {"'mine_average_last' = 101", "1 to mine_iterations = 100"}},
          {"willshaw_pairs=[100,10]", {"'willshaw_pairs' = [100,10]", "must ascend"}},
          {"willshaw_pairs=[5000]", {"'willshaw_pairs' = [5000]", "[1, train_samples]"}},
          {"willshaw_label_active=0",
           {"'willshaw_label_active' = 0", "1 <= willshaw_label_active"}},
          {"willshaw_capacity=[{\"n\":256,\"k\":300,\"pairs\":[10]}]",
           {"'willshaw_capacity'", "1 <= k < n"}},
          {"willshaw_capacity=[{\"n\":256}]", {"'willshaw_capacity'", "each setting is"}},
          {"mask_images=2000", {"'mask_images' = 2000", "[0, test_samples]"}},
          {"mask_resolution=0", {"'mask_resolution' = 0", "[1, 28]"}},
          {"mask_curve_steps=0", {"'mask_curve_steps' = 0", "[1, 784]"}},
          {"variants=[\"kwta_frozen\"]", {"'variants'", "kwta_untrained"}},
      });
}

}  // namespace

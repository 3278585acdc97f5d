// The extract service's handler with its real store: what it keeps of a
// result, and what a reused result carries.
#include "services/extract/extract_service.h"

#include <gtest/gtest.h>

#include "common/config/config_loader.h"
#include "common/storage/store.h"
#include "common/storage/store_identity.h"
#include "tests/services/extract/doc_builder.h"
#include "tests/testing/test_util.h"

namespace reportflow::extract {
namespace {

namespace ppb = ::reportflow::pipeline::v1;

TEST(ExtractServiceTest, StoresResultsWithoutTheFingerprintAndRecomputesItForAStoredResult) {
  ::reportflow::testing::TempDir dir;
  config::v1::PipelineConfig cfg;
  ASSERT_OK(config::LoadPipelineConfig("", dir.path().string(), {"extract.http_listen=off"}, &cfg));
  ppb::Envelope in;
  in.set_doc_id("d1");
  *in.mutable_segmented_document() =
      testing::MakeDoc("花台乡全年调解矛盾纠纷90余件，调解成功率达100%。组织开展法治宣传活动12场次，发放资料800余份。");
  in.mutable_segmented_document()->mutable_metadata()->set_township("花台乡");

  ppb::Envelope first;
  storage::WriteBatch writes;
  {
    ASSERT_OK_AND_ASSIGN(auto service, ExtractService::Create(cfg));
    ASSERT_OK(service->Handle(in, &first, &writes));
  }
  ASSERT_GT(first.extraction().fingerprint().masked_size(), 0);  // sent on with the result
  ASSERT_GT(first.extraction().metrics_size(), 0);
  ASSERT_EQ(writes.ops().size(), 1u);
  v1::ExtractionResult stored;
  ASSERT_TRUE(stored.ParseFromString(*writes.ops()[0].value));
  EXPECT_FALSE(stored.has_fingerprint());  // the store keeps the result without it
  EXPECT_EQ(stored.metrics_size(), first.extraction().metrics_size());

  // Committed as the worker commits its group; a second delivery reuses the stored result.
  {
    ASSERT_OK_AND_ASSIGN(auto opened, storage::OpenIdentifiedStore(cfg.extract().store_path(), {kExtractionsCf},
                                                                  storage::OnDamage::kMoveAside));
    ASSERT_OK(opened.store->Write(writes));
  }
  ASSERT_OK_AND_ASSIGN(auto service, ExtractService::Create(cfg));
  ppb::Envelope again;
  storage::WriteBatch none;
  ASSERT_OK(service->Handle(in, &again, &none));
  EXPECT_TRUE(none.empty());  // reused, not extracted again
  EXPECT_EQ(again.extraction().fingerprint().SerializeAsString(), first.extraction().fingerprint().SerializeAsString());
  EXPECT_EQ(again.extraction().metrics_size(), first.extraction().metrics_size());
}

}  // namespace
}  // namespace reportflow::extract

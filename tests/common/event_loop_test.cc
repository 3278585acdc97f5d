// The service runtime's event loop over inproc sockets: handlers run when
// their socket is readable, the pass end follows them, Stop() ends Run() from
// another thread, and Drain() ends as soon as the service says it is done.
#include "common/service/event_loop.h"

#include <thread>

#include "common/base/clock.h"
#include "common/messaging/codec.h"
#include "tests/testing/test_util.h"

namespace reportflow::service {
namespace {

class EventLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = zmq::socket_t(context_, zmq::socket_type::pull);
    in_.set(zmq::sockopt::linger, 0);
    in_.bind("inproc://loop-test");
    out_ = zmq::socket_t(context_, zmq::socket_type::push);
    out_.set(zmq::sockopt::linger, 0);
    out_.connect("inproc://loop-test");
    ASSERT_OK_AND_ASSIGN(loop_, EventLoop::Create());
  }
  void Send(const std::string& body) { out_.send(zmq::buffer(body), zmq::send_flags::none); }
  // Takes every message ready on the input.
  Status TakeAll() {
    while (true) {
      ASSIGN_OR_RETURN(messaging::Frames frames, messaging::RecvFrames(in_));
      if (frames.empty()) return Status::OK();
      received_.push_back(frames[0].to_string());
    }
  }

  // The input's handler takes what arrived, fails the loop as a full disk
  // would (ResourceExhausted), then returns `then`.
  void FailOnInput(Status then) {
    loop_->OnReadable(in_, [this, then] {
      RETURN_IF_ERROR(TakeAll());
      loop_->Fail(Status::ResourceExhausted("no space left"));
      return then;
    });
  }

  zmq::context_t context_;
  zmq::socket_t in_, out_;
  std::unique_ptr<EventLoop> loop_;
  std::vector<std::string> received_;
};

TEST_F(EventLoopTest, HandlesWhatArrivesThenEndsEachPassAndStopsOnRequest) {
  int passes_with_input = 0;
  loop_->OnReadable(in_, [this] { return TakeAll(); });
  loop_->OnPassEnd([&] {
    if (!received_.empty()) ++passes_with_input;
    // The group is handled: ask the loop to stop, as a signal handler would.
    if (received_.size() == 2) loop_->Stop();
    return Status::OK();
  });
  Send("a");
  Send("b");
  ASSERT_OK(loop_->Run());
  EXPECT_EQ(received_, (std::vector<std::string>{"a", "b"}));
  EXPECT_GE(passes_with_input, 1);
  EXPECT_TRUE(loop_->stopping());
}

TEST_F(EventLoopTest, StopFromAnotherThreadWakesAnIdleLoop) {
  loop_->OnReadable(in_, [this] { return TakeAll(); });
  std::thread stopper([this] { loop_->Stop(); });
  ASSERT_OK(loop_->Run());  // returns although nothing ever arrives and no timer is set
  stopper.join();
}

TEST_F(EventLoopTest, DrainServesUntilTheServiceIsDoneAndNotMarkedSocketsAreLeft) {
  zmq::socket_t control(context_, zmq::socket_type::pull);
  control.set(zmq::sockopt::linger, 0);
  control.bind("inproc://loop-test-control");
  zmq::socket_t control_out(context_, zmq::socket_type::push);
  control_out.set(zmq::sockopt::linger, 0);
  control_out.connect("inproc://loop-test-control");
  int control_calls = 0;
  loop_->OnReadable(in_, [this] { return TakeAll(); });
  loop_->OnReadable(control, [&] {
    ++control_calls;
    return Status::OK();
  }, /*drain=*/false);
  loop_->Stop();
  ASSERT_OK(loop_->Run());
  Send("late");
  control_out.send(zmq::str_buffer("ignored"), zmq::send_flags::none);
  // A deadline far away: the drain ends because the service is done, not by time.
  ASSERT_OK(loop_->Drain(Clock::Real().MonotonicMillis() + 3'600'000, [this] { return received_.size() == 1; }));
  EXPECT_EQ(received_, std::vector<std::string>{"late"});
  EXPECT_EQ(control_calls, 0) << "control is not served while draining";
}

TEST_F(EventLoopTest, AHandlerErrorEndsRun) {
  loop_->OnReadable(in_, [] { return Status::Internal("boom"); });
  Send("x");
  EXPECT_EQ(loop_->Run().code(), StatusCode::kInternal);
}

// A failure raised in a pass is not lost when a handler of the same pass
// then reports Cancelled (the context ending): Run() returns the failure.
TEST_F(EventLoopTest, AFailureOutlastsACancelledHandlerInTheSamePass) {
  FailOnInput(Status::Cancelled("context terminated"));
  Send("x");
  EXPECT_EQ(loop_->Run().code(), StatusCode::kResourceExhausted);
}

// A handler that fails the loop while it drains (a full disk met by the
// last groups) ends the drain at once, and Drain() returns that error: the
// service must not go on to write a checkpoint to the store that failed.
TEST_F(EventLoopTest, AFailureWhileDrainingEndsTheDrainWithIt) {
  FailOnInput(Status::OK());
  loop_->Stop();
  ASSERT_OK(loop_->Run());
  Send("late");
  // Never done, a deadline far away: only the failure can end this drain.
  const Status drained = loop_->Drain(Clock::Real().MonotonicMillis() + 3'600'000, [] { return false; });
  EXPECT_EQ(drained.code(), StatusCode::kResourceExhausted) << drained.ToString();
  EXPECT_EQ(received_, std::vector<std::string>{"late"});
}

}  // namespace
}  // namespace reportflow::service

#include "exporters/keepalived/wire_listener.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "collector/background.h"

namespace swarmscope::keepalived {
namespace {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

constexpr uint32_t kSnapLength = 2048;  // the largest advert: 60 + 8 + 255 * 4 + 8 bytes
// Adverts gather this long between two reads: at most 10 wake-ups a second (a wake-up costs
// more here than reading a hundred adverts), less when many came, so the socket's buffer
// never fills. Packets the kernel had to drop anyway are counted ("dropped").
constexpr auto kBatch = std::chrono::milliseconds(100);
constexpr auto kBusyBatch = std::chrono::milliseconds(20);
constexpr uint64_t kBusyPackets = 200;

// A cooked (SOCK_DGRAM) packet socket hands the filter the packet from the network header
// on; the link protocol comes from the ancillary field. IPv4 and protocol 112, else drop.
const std::array<sock_filter, 6> kFilter = {{
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 3),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),  // IPv4 protocol
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 112, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, kSnapLength),
    BPF_STMT(BPF_RET | BPF_K, 0),
}};

[[noreturn]] void Fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

WireListener::WireListener(std::set<std::string> interfaces, OnAdvert on_advert, OnError on_error)
    : interfaces_(std::move(interfaces)),
      on_advert_(std::move(on_advert)),
      on_error_(std::move(on_error)) {}

WireListener::~WireListener() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void WireListener::Open() {
  // Protocol 0 receives nothing until bound: the filter is in place before the first
  // packet, so no unfiltered packet is ever queued.
  fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    Fail("AF_PACKET socket (needs CAP_NET_RAW)");
  }
  sock_fprog program{static_cast<unsigned short>(kFilter.size()),
                     const_cast<sock_filter*>(kFilter.data())};
  if (::setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    Fail("SO_ATTACH_FILTER");
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = 0;  // every interface; filtered by name below
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Fail("bind AF_PACKET");
  }
  const int on = 1;
  if (::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
    Fail("SO_TIMESTAMPNS");
  }
  // Room for a batch at high rates (the kernel caps it at net.core.rmem_max).
  const int buffer = 1 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
}

std::string WireListener::InterfaceName(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr) {
    return "if" + std::to_string(ifindex);
  }
  return name;
}

void WireListener::Run(std::stop_token stop) {
  StopPoller poller(stop);
  // Up to kBatchPackets adverts per system call (recvmmsg), each with the kernel's receive
  // time (SO_TIMESTAMPNS).
  constexpr size_t kBatchPackets = 32;
  struct Slot {
    std::array<uint8_t, kSnapLength> data;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control;
    sockaddr_ll from;
    iovec iov;
  };
  std::vector<Slot> slots(kBatchPackets);
  std::vector<mmsghdr> messages(kBatchPackets);
  std::string cached_name;
  int cached_index = -1;
  uint64_t packets_before = 0;
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    if (!poller.Wait({&p, 1}, std::chrono::milliseconds(-1))) {
      return;
    }
    // Drain what is queued, then let the next ones gather for a moment: one wake-up per
    // batch rather than per advert (each packet's time is the kernel's receive time, so the
    // batching changes no time the tracker sees).
    while (true) {
      for (size_t i = 0; i < kBatchPackets; ++i) {
        Slot& slot = slots[i];
        slot.iov = {slot.data.data(), slot.data.size()};
        msghdr& msg = messages[i].msg_hdr;
        msg = {};
        msg.msg_name = &slot.from;
        msg.msg_namelen = sizeof slot.from;
        msg.msg_iov = &slot.iov;
        msg.msg_iovlen = 1;
        msg.msg_control = slot.control.data();
        msg.msg_controllen = slot.control.size();
      }
      const int got = ::recvmmsg(fd_, messages.data(), kBatchPackets, MSG_DONTWAIT, nullptr);
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
          break;
        }
        if (errno == ENETDOWN) {
          continue;  // an interface went down: its queued packets are gone, others are not
        }
        Fail("recvmmsg AF_PACKET");
      }
      const auto steady_now = Clock::now();
      const auto wall_now = WallClock::now();
      for (int i = 0; i < got; ++i) {
        Slot& slot = slots[static_cast<size_t>(i)];
        msghdr& msg = messages[static_cast<size_t>(i)].msg_hdr;
        ++packets_;
        if (slot.from.sll_ifindex != cached_index) {
          cached_index = slot.from.sll_ifindex;
          cached_name = InterfaceName(slot.from.sll_ifindex);
        }
        if (!interfaces_.empty() && !interfaces_.contains(cached_name)) {
          continue;
        }
        WirePacket packet{cached_name, slot.from.sll_pkttype == PACKET_OUTGOING, steady_now,
                          wall_now};
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            const auto wall = WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(
                std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
            const auto age = std::max(wall_now - wall, WallClock::duration::zero());
            packet.wall = wall;
            packet.steady = steady_now - std::chrono::duration_cast<Clock::duration>(age);
          }
        }
        auto parsed = ParseVrrpPacket({slot.data.data(), messages[static_cast<size_t>(i)].msg_len});
        if (const auto* advert = std::get_if<VrrpAdvert>(&parsed)) {
          on_advert_(packet, *advert);
        } else {
          on_error_(PacketErrorName(std::get<PacketError>(parsed)), 1);
        }
      }
      if (got < static_cast<int>(kBatchPackets)) {
        break;
      }
    }
    tpacket_stats stats{};
    socklen_t stats_len = sizeof stats;
    if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &stats, &stats_len) == 0 &&
        stats.tp_drops > 0) {
      on_error_("dropped", stats.tp_drops);  // reading the statistics resets them
    }
    const uint64_t drained = packets_ - packets_before;
    packets_before = packets_;
    if (!SleepFor(stop, drained > kBusyPackets ? kBusyBatch : kBatch)) {
      return;
    }
  }
}

}  // namespace swarmscope::keepalived

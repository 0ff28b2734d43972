#include "exporters/cgroup/cgroupstats_parsers.h"

#include <linux/cgroupstats.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>

#include <algorithm>
#include <cstring>

namespace swarmscope::cgroup {
namespace {

// --- netlink framing ---------------------------------------------------------------------

constexpr size_t Align4(size_t n) { return (n + 3) & ~size_t{3}; }

// A request of one generic netlink message with one attribute.
std::string GenlRequest(uint16_t type, uint32_t seq, uint8_t cmd, uint8_t version, uint16_t attr,
                        const void* payload, size_t payload_size) {
  const size_t attr_len = NLA_HDRLEN + payload_size;
  const size_t total = NLMSG_HDRLEN + GENL_HDRLEN + Align4(attr_len);
  std::string out(total, '\0');
  nlmsghdr n{};
  n.nlmsg_len = static_cast<uint32_t>(total);
  n.nlmsg_type = type;
  n.nlmsg_flags = NLM_F_REQUEST;
  n.nlmsg_seq = seq;
  genlmsghdr g{};
  g.cmd = cmd;
  g.version = version;
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(attr_len);
  a.nla_type = attr;
  std::memcpy(out.data(), &n, sizeof(n));
  std::memcpy(out.data() + NLMSG_HDRLEN, &g, sizeof(g));
  std::memcpy(out.data() + NLMSG_HDRLEN + GENL_HDRLEN, &a, sizeof(a));
  std::memcpy(out.data() + NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN, payload, payload_size);
  return out;
}

// One netlink message of a reply: its header and what follows it, bounds-checked.
struct Message {
  nlmsghdr header{};
  std::string_view body;  // after the netlink header
};

// The messages of `reply` in order, calling fn(message) until it returns false. Stops at a
// truncated or inconsistent message.
template <typename Fn>
void ForEachMessage(std::string_view reply, Fn&& fn) {
  while (reply.size() >= NLMSG_HDRLEN) {
    Message m;
    std::memcpy(&m.header, reply.data(), sizeof(m.header));
    if (m.header.nlmsg_len < NLMSG_HDRLEN || m.header.nlmsg_len > reply.size()) {
      return;
    }
    m.body = reply.substr(NLMSG_HDRLEN, m.header.nlmsg_len - NLMSG_HDRLEN);
    if (!fn(m)) {
      return;
    }
    reply.remove_prefix(std::min(reply.size(), Align4(m.header.nlmsg_len)));
  }
}

// The errno of an NLMSG_ERROR message (0 for an acknowledgement), or -1 if truncated.
int ErrorOf(const Message& m) {
  int error = 0;
  if (m.body.size() < sizeof(error)) {
    return -1;
  }
  std::memcpy(&error, m.body.data(), sizeof(error));
  return error < 0 ? -error : error;
}

// Calls fn(type, payload) for every attribute after the generic netlink header.
template <typename Fn>
void ForEachAttribute(const Message& m, Fn&& fn) {
  if (m.body.size() < GENL_HDRLEN) {
    return;
  }
  std::string_view attrs = m.body.substr(GENL_HDRLEN);
  while (attrs.size() >= NLA_HDRLEN) {
    nlattr a{};
    std::memcpy(&a, attrs.data(), sizeof(a));
    if (a.nla_len < NLA_HDRLEN || a.nla_len > attrs.size()) {
      return;
    }
    fn(static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK),
       attrs.substr(NLA_HDRLEN, a.nla_len - NLA_HDRLEN));
    attrs.remove_prefix(std::min(attrs.size(), Align4(a.nla_len)));
  }
}

}  // namespace

std::string BuildTaskstatsFamilyRequest(uint32_t seq) {
  static constexpr char kName[] = TASKSTATS_GENL_NAME;  // with its NUL, as the kernel wants
  return GenlRequest(GENL_ID_CTRL, seq, CTRL_CMD_GETFAMILY, 1, CTRL_ATTR_FAMILY_NAME, kName,
                     sizeof(kName));
}

std::optional<uint16_t> ParseTaskstatsFamilyReply(std::string_view reply, uint32_t seq,
                                                  int* error) {
  std::optional<uint16_t> id;
  int err = 0;
  ForEachMessage(reply, [&](const Message& m) {
    if (m.header.nlmsg_seq != seq) {
      return true;
    }
    if (m.header.nlmsg_type == NLMSG_ERROR) {
      err = std::max(ErrorOf(m), 0);
      return false;
    }
    if (m.header.nlmsg_type != GENL_ID_CTRL) {
      return true;
    }
    ForEachAttribute(m, [&](uint16_t type, std::string_view payload) {
      uint16_t v = 0;
      if (type == CTRL_ATTR_FAMILY_ID && payload.size() >= sizeof(v)) {
        std::memcpy(&v, payload.data(), sizeof(v));
        id = v;
      }
    });
    return false;
  });
  if (error != nullptr) {
    *error = id ? 0 : err;
  }
  return id;
}

std::string BuildCgroupStatsRequest(uint16_t family, uint32_t seq, uint32_t dir_fd) {
  return GenlRequest(family, seq, CGROUPSTATS_CMD_GET, TASKSTATS_GENL_VERSION,
                     CGROUPSTATS_CMD_ATTR_FD, &dir_fd, sizeof(dir_fd));
}

CgroupStatsReply ParseCgroupStatsReply(std::string_view reply, uint32_t seq) {
  CgroupStatsReply out;
  bool seen = false;
  ForEachMessage(reply, [&](const Message& m) {
    seen = true;
    if (m.header.nlmsg_seq != seq) {
      out.kind = CgroupStatsReply::Kind::kOther;
      return true;
    }
    if (m.header.nlmsg_type == NLMSG_ERROR) {
      const int error = ErrorOf(m);
      out.kind = error > 0 ? CgroupStatsReply::Kind::kError : CgroupStatsReply::Kind::kMalformed;
      out.error = std::max(error, 0);
      return false;
    }
    out.kind = CgroupStatsReply::Kind::kMalformed;
    ForEachAttribute(m, [&](uint16_t type, std::string_view payload) {
      cgroupstats s{};
      if (type == CGROUPSTATS_TYPE_CGROUP_STATS && payload.size() >= sizeof(s)) {
        std::memcpy(&s, payload.data(), sizeof(s));
        out.kind = CgroupStatsReply::Kind::kStats;
        out.states = TaskStates{s.nr_running,         s.nr_sleeping, s.nr_stopped,
                                s.nr_uninterruptible, s.nr_io_wait,  true};
      }
    });
    return false;
  });
  if (!seen) {
    out.kind = CgroupStatsReply::Kind::kMalformed;
  }
  return out;
}

}  // namespace swarmscope::cgroup

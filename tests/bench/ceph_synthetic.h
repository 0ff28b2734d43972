#pragma once

// The command outputs of a big Pacific cluster, made from the captured ones of the
// single-node test cluster (tests/fixtures/ceph/pacific): each entry is a captured entry
// with its values changed, printed as the CLI prints it (compact JSON after a newline).

#include <map>
#include <string>

namespace swarmscope::bench {

/// What the synthetic cluster holds.
struct CephShape {
  int osds = 1000;
  int pools = 100;
  int pgs = 100000;
  int osds_per_host = 20;  ///< the last 4 of a host are SSDs, the rest HDDs
  int down = 4;            ///< OSDs down (half of them out too): a big cluster rarely has none
};

struct CephOutputs {
  /// By the exporter's command name ("status", "pg_dump", "metadata_osd", ...).
  std::map<std::string, std::string> by_command;
  std::map<std::string, int> pg_states;  ///< PGs by state, as `pg dump` says
};

/// Generates the outputs, with a fixed seed (the same outputs every run). Throws
/// std::runtime_error if a fixture is missing.
CephOutputs MakeCephOutputs(const CephShape& shape);

}  // namespace swarmscope::bench

// swarmscope: the collector daemon.

#include <malloc.h>

#include <csignal>
#include <exception>
#include <iostream>

#include "collector/config.h"
#include "collector/daemon.h"
#include "collector/http_server.h"
#include "exporters/exporters.h"

extern char** environ;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Few threads ever allocate much (the scrape workers); more malloc arenas only keep more
  // freed memory resident.
  ::mallopt(M_ARENA_MAX, 2);
  try {
    const std::vector<swarmscope::ExporterSpec> specs = swarmscope::BuiltinExporters();
    const swarmscope::ParseOutcome parsed =
        swarmscope::ParseCommandLine(argc, argv, environ, swarmscope::FlagsOf(specs));
    switch (parsed.action) {
      case swarmscope::ParseOutcome::Action::kHelp:
      case swarmscope::ParseOutcome::Action::kVersion:
        std::cout << parsed.message;
        return 0;
      case swarmscope::ParseOutcome::Action::kHealthcheck: {
        const std::string err =
            swarmscope::CheckHealth(parsed.config.listen_address, std::chrono::seconds(3));
        if (!err.empty()) {
          std::cerr << "swarmscope: unhealthy: " << err << "\n";
        }
        return err.empty() ? 0 : 1;
      }
      case swarmscope::ParseOutcome::Action::kError:
        std::cerr << "swarmscope: error: " << parsed.message << "\n";
        return 2;
      case swarmscope::ParseOutcome::Action::kRun:
        break;
    }
    return swarmscope::RunDaemon(parsed.config, specs);
  } catch (const std::exception& e) {
    std::cerr << "swarmscope: fatal: " << e.what() << "\n";
    return 1;
  }
}

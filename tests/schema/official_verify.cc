// official_verify.cc -- runs FlatBuffers' own C++ verifier (flatc 2.0.8
// generated Verify<Table>Buffer, libflatbuffers-dev headers) on record files,
// for tests/t_schema_conformance.py's differential check against lmkv's
// verifier. Built by the test: g++ -std=c++17 -I<flatc --cpp output>.
// Usage: official_verify <Table> <file>...   prints one line per file:
// "1" (verifies, with the table's file_identifier) or "0".
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "analysis_run_generated.h"
#include "cache_entry_generated.h"
#include "cache_stats_generated.h"
#include "call_generated.h"
#include "daemon_file_link_generated.h"
#include "daemon_workspace_generated.h"
#include "file_version_generated.h"
#include "hierarchy_generated.h"
#include "indexer_queue_item_generated.h"
#include "reference_generated.h"
#include "symbol_generated.h"
#include "workspace_generated.h"

using namespace lmkv::schema;

static bool verify(const std::string &table, const std::vector<uint8_t> &b)
{
    // Default verifier options: max depth 64, max tables 1e6, alignment checked.
    flatbuffers::Verifier v(b.data(), b.size());
    if (table == "Workspace") return VerifyWorkspaceBuffer(v);
    if (table == "FileVersion") return VerifyFileVersionBuffer(v);
    if (table == "Symbol") return VerifySymbolBuffer(v);
    if (table == "Reference") return VerifyReferenceBuffer(v);
    if (table == "Call") return VerifyCallBuffer(v);
    if (table == "Hierarchy") return VerifyHierarchyBuffer(v);
    if (table == "CacheEntry") return VerifyCacheEntryBuffer(v);
    if (table == "CacheStats") return VerifyCacheStatsBuffer(v);
    if (table == "IndexerQueueItem") return VerifyIndexerQueueItemBuffer(v);
    if (table == "AnalysisRun") return VerifyAnalysisRunBuffer(v);
    if (table == "DaemonWorkspace") return VerifyDaemonWorkspaceBuffer(v);
    if (table == "DaemonFileLink") return VerifyDaemonFileLinkBuffer(v);
    std::fprintf(stderr, "unknown table %s\n", table.c_str());
    std::exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: official_verify <Table> <file>...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        std::ifstream f(argv[i], std::ios::binary);
        if (!f) {
            std::fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        // An exact-size heap copy (an empty file gets a valid pointer).
        std::printf("%d\n", verify(argv[1], b) ? 1 : 0);
    }
    return 0;
}

// libnats, opened when an export starts rather than linked: most runs
// export nothing, and linking it maps libnats, libssl and libcrypto (about
// 1.9 MiB of resident memory, measured) into every tool. The header still
// gives the types and signatures.
#pragma once

#include <nats/nats.h>

#include "core/result.h"

namespace ebpfmon {

// The functions the exporter calls, each a pointer of its own type.
#define EBPFMON_NATS_FUNCTIONS(X)            \
  X(jsCtx_Destroy)                           \
  X(jsOptions_Init)                          \
  X(jsPubOptions_Init)                       \
  X(jsStreamConfig_Init)                     \
  X(jsStreamInfo_Destroy)                    \
  X(js_AddStream)                            \
  X(js_GetStreamInfo)                        \
  X(js_PublishAsyncComplete)                 \
  X(js_PublishAsyncGetPendingList)           \
  X(js_PublishMsgAsync)                      \
  X(natsConnection_Connect)                  \
  X(natsConnection_Destroy)                  \
  X(natsConnection_JetStream)                \
  X(natsConnection_Status)                   \
  X(natsMsgHeader_Get)                       \
  X(natsMsgHeader_Set)                       \
  X(natsMsgList_Destroy)                     \
  X(natsMsg_Create)                          \
  X(natsMsg_Destroy)                         \
  X(natsOptions_Create)                      \
  X(natsOptions_Destroy)                     \
  X(natsOptions_LoadCATrustedCertificates)   \
  X(natsOptions_LoadCertificatesChain)       \
  X(natsOptions_SetMaxReconnect)             \
  X(natsOptions_SetNoRandomize)              \
  X(natsOptions_SetReconnectBufSize)         \
  X(natsOptions_SetReconnectWait)            \
  X(natsOptions_SetSecure)                   \
  X(natsOptions_SetServers)                  \
  X(natsOptions_SetTimeout)                  \
  X(natsOptions_SetUserCredentialsFromFiles) \
  X(natsStatus_GetText)                      \
  X(nats_GetLastError)

struct NatsLibrary {
#define EBPFMON_NATS_POINTER(name) decltype(&::name) name = nullptr;
  EBPFMON_NATS_FUNCTIONS(EBPFMON_NATS_POINTER)
#undef EBPFMON_NATS_POINTER
};

// Opens libnats once (later calls return the same); an error names the
// library and what the loader said.
Result<const NatsLibrary*> load_nats_library();

}  // namespace ebpfmon

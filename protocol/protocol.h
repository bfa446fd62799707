/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* protocol.h: the native protocol server: listeners, connections, dispatch.
 *
 * One Protocol object per daemon holds the event loop, every connection
 * and the limits. Listening sockets are created by the
 * module-native-protocol-unix/-tcp modules (protocol/module-native.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include "engine/core.h"
#include "protocol/wire/pstream.h"
#include "protocol/wire/shm.h"
#include "protocol/wire/tagstruct.h"
#include "protocol/wire/proto.h"

typedef struct Protocol Protocol;
typedef struct Listener Listener;
typedef struct Conn Conn;

typedef struct ProtocolConfig {
        size_t max_connections;         /* default 256 */
        size_t max_connections_per_uid; /* default 64 */
        uint64_t auth_timeout_usec;     /* default 60 s */
        bool system_mode;
        const char *access_group;       /* system mode: let members in (default pulse-access) */
        const char *runtime_dir;        /* default socket: <runtime_dir>/native */
        int inherited_fd;               /* socket passed by systemd, or -1 */
        /* system mode (protocol/access.h) */
        bool isolation;                 /* users act only on their own objects */
        const char *admin_group;        /* members act on everything (default pulse-admin) */
        size_t max_streams_per_uid;     /* 0 = default (64) */
        size_t max_upload_bytes_per_uid;/* 0 = default (16 MiB) */
        /* daemon.conf enable-shm / enable-memfd (inverted so that zero = the default, on).
         * We only do memfd SHM: without memfd there is no SHM either. */
        bool disable_shm;
        bool disable_memfd;
} ProtocolConfig;

/* How a listener authenticates (module arguments). */
typedef struct AuthConfig {
        bool anonymous;
        bool cookie_enabled;
        uint8_t cookie[PROTO_COOKIE_LENGTH];
        bool have_cookie;
        bool group_enabled;
        char *group;
        char **ip_acl;                  /* CIDR strings, TCP only */
        size_t n_ip_acl;
} AuthConfig;

struct Listener {
        Protocol *proto;
        Module *module;
        CList link;
        int fd;
        bool is_unix;
        char *path;                     /* unix socket path we created (unlinked at exit) */
        bool owns_path;
        sd_event_source *source;
        AuthConfig auth;
        bool srbchannel;                /* module argument srbchannel= (unix: default yes) */
        Listener *next_same_module;     /* TCP: the IPv6 loopback twin */
};

typedef struct PendingEvent {
        uint32_t event;
        uint32_t index;
} PendingEvent;

typedef struct PlaybackStream {
        Conn *conn;
        CList link;
        uint32_t channel;
        uint32_t sync_id;
        SinkInput *si;
        bool drain_pending;
        uint32_t drain_tag;
} PlaybackStream;

typedef struct RecordStream {
        Conn *conn;
        CList link;
        uint32_t channel;
        SourceOutput *so;
} RecordStream;

typedef struct UploadStream {
        Conn *conn;
        CList link;
        uint32_t channel;
        char *name;
        SampleSpec spec;
        ChannelMap map;
        Proplist *props;
        uint8_t *data;
        size_t length;
        size_t received;
} UploadStream;

struct Conn {
        Protocol *proto;
        Listener *listener;
        CList link;
        Pstream ps;
        sd_event_source *io;
        sd_event_source *auth_timer;
        sd_event_source *more;          /* continue reading buffered frames */
        CList out_link;                 /* Protocol.out_pending: output queued this iteration */
        bool out_armed;                 /* EPOLLOUT requested (the socket was full) */
        Client *client;
        bool authorized;
        bool auth_failed;
        bool dead;
        uint32_t version;               /* client's protocol version (masked), 0 before AUTH */
        bool have_peer;
        struct ucred peer;
        uint32_t subscription_mask;
        PendingEvent *events;
        size_t n_events, allocated_events;
        uint32_t next_playback_channel;
        uint32_t next_record_channel;
        CList playback;                 /* PlaybackStream.link */
        CList record;                   /* RecordStream.link */
        CList uploads;                  /* UploadStream.link */
        size_t n_streams;
        size_t upload_bytes;
        uint8_t admin_state;            /* access.c: admin group lookup cache */
        /* fds that came with the packet being dispatched (handlers take them) */
        int in_fds[PSTREAM_MAX_FDS];
        unsigned n_in_fds;
        /* SHM (conn-shm.c) */
        bool shm;                       /* memfd SHM negotiated */
        ShmImports shm_imports;         /* the client's registered pools */
        uint8_t *shm_buf;               /* scratch for referenced bytes */
        size_t shm_buf_size;
        uint64_t shm_blocks, shm_bytes; /* audio received by reference */
        Srb *srb_offered;               /* ENABLE_SRBCHANNEL sent, ack not yet seen */
        uint32_t srb_tag;
        sd_event_source *srb_io;        /* our ring eventfd, once the ring is in use */
        bool srb_batched;               /* REQUEST sent, ring polled by Protocol.srb_poll */
        uint64_t srb_batches;           /* times the ring was read by Protocol.srb_poll */
};

struct Protocol {
        Core *core;
        sd_event *event;
        ProtocolConfig config;
        CList listeners;
        CList conns;
        size_t n_conns;
        CoreListener core_listener;
        sd_event_source *flush;
        bool events_pending;
        /* Output is written once per loop iteration for every connection that queued
         * some (Conn.out_link), instead of arming EPOLLOUT per packet: no epoll_ctl and
         * no empty wake-up per REQUEST. EPOLLOUT is armed only when a socket is full. */
        CList out_pending;
        sd_event_source *out_flush;
        /* REQUEST batching on srbchannel connections (conn-shm.c, conn_srb_batch) */
        sd_event_source *srb_poll;
        /* Optional access hook for system mode: return 0 to allow the peer. */
        int (*check_peer)(Protocol *p, const struct ucred *peer, void *userdata);
        void *check_peer_userdata;
};

int protocol_new(Core *core, sd_event *event, const ProtocolConfig *config, Protocol **ret);
Protocol *protocol_free(Protocol *p);
/* Closes every connection (their streams and clients go with them). */
void protocol_disconnect_all(Protocol *p);
/* Sends queued subscription events now (after each command, each deferred job). */
void protocol_flush_events(Protocol *p);
/* Where module-native-protocol-* find the Protocol (set by the daemon). */
Protocol *protocol_get(Core *core);
void protocol_set_global(Protocol *p);

/* Listening sockets. fd < 0: create (bind/listen) at path. */
int listener_new_unix(Protocol *p, Module *m, const char *path, int inherited_fd, Listener **ret);
int listener_new_tcp(Protocol *p, Module *m, const char *listen_addr, uint16_t port, Listener **ret);
Listener *listener_free(Listener *l);

/* Connections */
int conn_new(Protocol *p, Listener *l, int fd, Conn **ret);
/* Marks c dead (idempotent): its packets are dropped from now on; the connection,
 * its streams and its client are freed on the next loop iteration (conn_destroy
 * from Protocol.flush), never inside the caller's dispatch. */
void conn_close(Conn *c);
/* Closes and frees c now (the flush, protocol_disconnect_all). */
void conn_destroy(Conn *c);
/* Process what is readable now and flush; used by the loop and by the fuzzer. */
int conn_process(Conn *c);
/* Write what the socket takes now. */
void conn_flush(Conn *c);
int conn_send_packet(Conn *c, TagstructWriter *w);
void conn_reply_simple(Conn *c, uint32_t tag);
void conn_reply_error(Conn *c, uint32_t tag, uint32_t error);
/* Starts a reply/command packet: u32 command, u32 tag */
void packet_begin(TagstructWriter *w, uint32_t command, uint32_t tag);

/* dispatch.c */
#define DISPATCH_DROP (-1000)
int dispatch_packet(Conn *c, const uint8_t *data, size_t size);
/* maps an engine outcome to a PA error code (0 stays 0) */
uint32_t engine_to_proto_error(int r);

/* module-native.c */
extern const ModuleDesc module_native_protocol_unix_desc;
extern const ModuleDesc module_native_protocol_tcp_desc;
bool ip_acl_match(const char *acl, const struct sockaddr *sa);

/* auth.c */
int auth_load_cookie(const char *path, bool create, uint8_t cookie[PROTO_COOKIE_LENGTH]);
char *auth_default_cookie_path(void);
bool auth_peer_in_group(const struct ucred *peer, const char *group);
void auth_config_deinit(AuthConfig *a);

/* Command handlers share this signature: return 0 (replied), a PROTO_ERR_* code
 * (dispatch sends ERROR), DISPATCH_DROP (protocol violation) or a negative errno. */
typedef int (*CommandHandler)(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);

int cmd_auth(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_client_name(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_update_client_proplist(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_remove_client_proplist(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_server_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_stat(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_exit(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_subscribe(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_lookup(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_load_module(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_unload_module(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_kill_client(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_send_object_message(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_extension(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_default(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_device_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_device_info_list(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_device_volume(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_device_mute(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_suspend_device(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_device_port(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_port_latency_offset(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_module_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_client_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_card_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_card_profile(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_sink_input_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_source_output_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_sample_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_stream_index_op(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);

int cmd_create_playback_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_create_record_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_delete_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_stream_channel_op(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_get_latency(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_buffer_attr(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_update_sample_rate(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_stream_proplist(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_set_stream_name(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_create_upload_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_finish_upload_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_play_sample(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_remove_sample(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
/* memblock frames and teardown (cmd-stream.c) */
void conn_handle_memblock(Conn *c, const Frame *f);
void conn_free_streams(Conn *c);
void conn_pump_record(Conn *c);

/* conn-shm.c: memfd SHM and the srbchannel */
/* AUTH: whether this connection gets SHM (flags for the reply's version word). */
uint32_t conn_shm_negotiate(Conn *c, uint32_t client_version_word);
/* After the AUTH reply: memfd registration and the srbchannel offer. */
void conn_shm_offer_srbchannel(Conn *c);
/* A frame with SHM flags (reference, release, revoke). Return: 0, or DISPATCH_DROP. */
int conn_shm_frame(Conn *c, const Frame *f);
/* Logs (debug) which transport the connection used; called when it closes. */
void conn_shm_log_stats(Conn *c);
/* Frees the SHM state (connection teardown). */
void conn_shm_deinit(Conn *c);
/* A REQUEST went out on c for a stream whose minreq is min_request_usec: if c
 * uses the srbchannel, collect the answer by polling its ring shortly after,
 * together with the other connections', instead of being woken by each. */
void conn_srb_batch(Conn *c, uint64_t min_request_usec);
void protocol_srb_poll_free(Protocol *p);
int cmd_register_memfd_shmid(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);
int cmd_enable_srbchannel(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts);

/* Fills one sink/source info entry (shared by single and list replies). */
void put_device_info(TagstructWriter *w, Conn *c, Device *d);

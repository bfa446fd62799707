/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* core.h: the object engine: registries, devices, clients, modules, defaults, events.
 *
 * Everything here runs on the main thread. The engine knows nothing about
 * the wire: the protocol layer observes it through event listeners and
 * asks it to act through these functions. Functions return 0 or a
 * negative errno for unexpected failures, or a positive ENGINE_E_* code
 * for documented outcomes the caller translates (protocol/reply.c maps
 * them to PA_ERR_* codes).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "engine/base/list.h"
#include "engine/base/idxmap.h"
#include "engine/types/sample-spec.h"
#include "engine/types/channel-map.h"
#include "engine/types/volume.h"
#include "engine/types/proplist.h"
#include "engine/types/format-info.h"

typedef struct Core Core;
typedef struct Device Device;
typedef struct Device Sink;
typedef struct Device Source;
typedef struct Client Client;
typedef struct Module Module;
typedef struct ModuleDesc ModuleDesc;
typedef struct ModArgs ModArgs;
typedef struct SinkInput SinkInput;
typedef struct SourceOutput SourceOutput;
typedef struct Sample Sample;
typedef struct Card Card;
typedef struct DevicePort DevicePort;
typedef struct DeviceIo DeviceIo;

/* Documented outcomes (positive codes). */
enum {
        _ENGINE_E_SUCCESS,
        ENGINE_E_INVALID,       /* bad argument */
        ENGINE_E_NOENTITY,      /* no such object */
        ENGINE_E_EXIST,         /* already exists */
        ENGINE_E_ACCESS,        /* not permitted */
        ENGINE_E_MODINIT,       /* module failed to load */
        ENGINE_E_NOTSUPPORTED,
        ENGINE_E_NOTIMPLEMENTED,
        ENGINE_E_BADSTATE,
        ENGINE_E_TOOLARGE,
        ENGINE_E_BUSY,
        ENGINE_E_INTERNAL,
        _ENGINE_E_N,
};

/* Subscription facilities and event types (the wire's values). */
enum {
        FACILITY_SINK = 0,
        FACILITY_SOURCE = 1,
        FACILITY_SINK_INPUT = 2,
        FACILITY_SOURCE_OUTPUT = 3,
        FACILITY_MODULE = 4,
        FACILITY_CLIENT = 5,
        FACILITY_SAMPLE_CACHE = 6,
        FACILITY_SERVER = 7,
        FACILITY_AUTOLOAD = 8,
        FACILITY_CARD = 9,
        FACILITY_MASK = 0x0F,
        EVENT_NEW = 0x00,
        EVENT_CHANGE = 0x10,
        EVENT_REMOVE = 0x20,
        EVENT_TYPE_MASK = 0x30,
        SUBSCRIPTION_MASK_ALL = 0x2FF,
};

#define NAME_MAX_LEN 127U

/* ---- devices (sinks and sources share one representation) ---- */

typedef enum DeviceKind {
        DEVICE_SINK,
        DEVICE_SOURCE,
} DeviceKind;

typedef enum DeviceState {
        DEVICE_RUNNING = 0,
        DEVICE_IDLE = 1,
        DEVICE_SUSPENDED = 2,
} DeviceState;

/* Suspend causes (a device is suspended while any is set). */
enum {
        SUSPEND_USER = 1U << 0,
        SUSPEND_IDLE = 1U << 1,
        SUSPEND_UNAVAILABLE = 1U << 2,
        SUSPEND_INTERNAL = 1U << 3,
};

/* PA_SINK_* / PA_SOURCE_* flag values (note: sources order them differently). */
enum {
        SINK_FLAG_HW_VOLUME_CTRL = 0x1,
        SINK_FLAG_LATENCY = 0x2,
        SINK_FLAG_HARDWARE = 0x4,
        SINK_FLAG_NETWORK = 0x8,
        SINK_FLAG_HW_MUTE_CTRL = 0x10,
        SINK_FLAG_DECIBEL_VOLUME = 0x20,
        SINK_FLAG_FLAT_VOLUME = 0x40,
        SINK_FLAG_DYNAMIC_LATENCY = 0x80,
        SINK_FLAG_SET_FORMATS = 0x100,
        SOURCE_FLAG_HW_VOLUME_CTRL = 0x1,
        SOURCE_FLAG_LATENCY = 0x2,
        SOURCE_FLAG_HARDWARE = 0x4,
        SOURCE_FLAG_NETWORK = 0x8,
        SOURCE_FLAG_HW_MUTE_CTRL = 0x10,
        SOURCE_FLAG_DECIBEL_VOLUME = 0x20,
        SOURCE_FLAG_DYNAMIC_LATENCY = 0x40,
        SOURCE_FLAG_FLAT_VOLUME = 0x80,
};

struct DevicePort {
        char *name;
        char *description;
        uint32_t priority;
        uint32_t available;     /* 0 unknown, 1 no, 2 yes */
        char *availability_group;
        uint32_t type;
        int64_t latency_offset;
        Proplist *props;
        /* card ports only (card == NULL: the port is owned by its device) */
        Card *card;
        uint8_t direction;              /* PORT_DIRECTION_* */
        struct CardProfile **profiles;  /* profiles the port belongs to */
        size_t n_profiles;
};

/* What a backend (null, pipe, alsa, bluez) implements. Every op is optional. */
typedef struct DeviceOps {
        int (*set_volume)(Device *d);                   /* d->volume already updated */
        int (*set_mute)(Device *d);
        int (*suspend)(Device *d, bool suspend);        /* 0 or positive ENGINE_E_* */
        int (*set_port)(Device *d, DevicePort *p);
        uint64_t (*get_latency)(Device *d);             /* usec */
        void (*free)(Device *d);                        /* release backend state */
} DeviceOps;

struct Device {
        Core *core;
        DeviceKind kind;
        uint32_t index;
        char *name;
        char *driver;
        Module *module;                 /* owner, may be NULL */
        Card *card;                     /* may be NULL */
        Proplist *props;
        SampleSpec spec;
        ChannelMap map;
        CVolume volume;
        bool mute;
        Volume base_volume;
        uint32_t n_volume_steps;
        uint32_t flags;
        uint32_t priority;
        uint32_t suspend_cause;
        DeviceState state;
        DeviceIo *io;                   /* data plane (NULL: control plane only) */
        uint64_t configured_latency;
        uint64_t min_latency;           /* usec range the device can be configured to */
        uint64_t max_latency;
        Device *monitor;                /* sink: its monitor source */
        Device *monitor_of;             /* source: the sink it monitors */
        DevicePort **ports;
        size_t n_ports;
        DevicePort *active_port;
        FormatInfo **formats;
        size_t n_formats;
        CList streams;                  /* SinkInput.device_link / SourceOutput.device_link */
        /* main thread: the next entry of streams that device_io_on_notify() will visit;
         * device_unlink_stream() moves it on, so that a callback may free or move any
         * stream of the list (a connection closing frees all of its streams) */
        CList *notify_next;
        const DeviceOps *ops;
        void *userdata;
        bool linked;
};

typedef struct DeviceNew {
        DeviceKind kind;
        const char *name;               /* requested; must be valid */
        const char *driver;
        Module *module;
        SampleSpec spec;
        ChannelMap map;                 /* channels 0 = auto */
        uint32_t flags;
        uint32_t priority;
        Proplist *props;                /* copied */
        const DeviceOps *ops;
        void *userdata;
        bool with_monitor;              /* sinks: create NAME.monitor */
} DeviceNew;

/* Creates and links a device (and its monitor). Emits NEW events.
 * Return: 0, ENGINE_E_EXIST (name taken), ENGINE_E_INVALID, or -errno. */
int device_new(Core *c, const DeviceNew *n, Device **ret);
/* Unlinks, rescues/kills streams, emits REMOVE events and frees. */
void device_free(Device *d);
const char *device_description(const Device *d);
int device_set_volume(Device *d, const CVolume *v);     /* ENGINE_E_INVALID on channel mismatch */
int device_set_mute(Device *d, bool mute);
/* Return: 0, ENGINE_E_INVALID (monitor source), or a backend code. */
int device_suspend(Device *d, bool suspend, uint32_t cause);
int device_set_port(Device *d, const char *port);       /* NOTIMPLEMENTED without ports, NOENTITY */
uint64_t device_latency(Device *d);
/* Sets the latency range (usec) of d and its monitor; idle devices report the maximum. */
void device_set_latency_range(Device *d, uint64_t min, uint64_t max);
void device_changed(Device *d);                         /* posts CHANGE */
/* Adds the single "any PCM" format (what null sinks report). */
int device_add_default_format(Device *d);

/* ---- clients ---- */

struct Client {
        Core *core;
        uint32_t index;
        Module *module;                 /* protocol module that owns the connection */
        char *driver;
        Proplist *props;
        bool has_creds;
        struct ucred creds;
        /* set by the protocol layer: asked to drop the connection */
        void (*kill)(Client *c, void *userdata);
        void *kill_userdata;
};

int client_new(Core *c, Module *owner, const char *driver, Proplist *props, Client **ret);
void client_free(Client *cl);
int client_update_proplist(Client *cl, ProplistUpdateMode mode, const Proplist *p);
int client_remove_props(Client *cl, const char *const *keys, size_t n);
const char *client_name(const Client *cl);
/* Asks the owner to close the connection (may free cl). */
void client_kill(Client *cl);

/* ---- modules ---- */

typedef enum ModuleOrigin {
        MODULE_ORIGIN_SCRIPT,           /* startup script / command line */
        MODULE_ORIGIN_INTERNAL,         /* the daemon's own loads: hotplug, always-sink */
        MODULE_ORIGIN_CLIENT,           /* LOAD_MODULE from a client */
} ModuleOrigin;

struct ModuleDesc {
        const char *name;
        const char *description;
        const char *author;
        const char *version;
        const char *usage;
        const char *const *valid_args;  /* NULL-terminated */
        bool load_once;
        int (*init)(Module *m, ModArgs *args);  /* 0 or an error (logged by the module) */
        void (*done)(Module *m);
        int (*get_n_used)(Module *m);           /* -1 unknown */
};

struct Module {
        Core *core;
        uint32_t index;
        const ModuleDesc *desc;
        char *name;
        char *argument;
        Proplist *props;
        ModuleOrigin origin;
        void *userdata;
        bool unload_pending;
        bool initialised;
};

int core_register_module_desc(Core *c, const ModuleDesc *desc);
const ModuleDesc *core_find_module_desc(Core *c, const char *name);
/* Loads a module. origin CLIENT is refused (ENGINE_E_ACCESS) when module loading is
 * disallowed; SCRIPT and INTERNAL loads are always allowed.
 * Return: 0, ENGINE_E_NOENTITY (no such module), ENGINE_E_EXIST (load-once),
 * ENGINE_E_INVALID (bad arguments), ENGINE_E_MODINIT, ENGINE_E_ACCESS. */
int module_load(Core *c, const char *name, const char *args, ModuleOrigin origin, Module **ret);
/* Unloads now (internal use). */
void module_unload(Module *m);
/* Schedules an unload for the next main-loop iteration. origin CLIENT is ignored
 * silently when module loading is disallowed (PulseAudio acknowledges and does nothing).
 * Return: 0, or ENGINE_E_ACCESS (ignored request). */
int module_unload_request(Module *m, ModuleOrigin origin);
int module_get_n_used(Module *m);

struct Sample {
        Core *core;
        uint32_t index;
        char *name;
        Proplist *props;
        SampleSpec spec;
        ChannelMap map;
        CVolume volume;                 /* channels 0 = no volume */
        uint8_t *data;
        size_t length;
        bool lazy;
        char *filename;
        uint32_t owner_uid;
};

/* See engine/card.h for the API. */
struct Card {
        Core *core;
        uint32_t index;
        char *name;
        char *driver;
        Module *module;                 /* owner, may be NULL */
        Proplist *props;
        struct CardProfile **profiles;
        size_t n_profiles;
        struct CardProfile *active_profile;
        DevicePort **ports;             /* owned */
        size_t n_ports;
        const struct CardOps *ops;
        void *userdata;
        bool linked;
};

/* ---- message handlers (SEND_OBJECT_MESSAGE) ---- */

typedef int (*MessageHandlerFn)(Core *c, const char *path, const char *message,
                                const char *params, char **ret_response, void *userdata);

/* ---- the core ---- */

typedef void (*CoreEventFn)(Core *c, uint32_t event, uint32_t index, void *userdata);
typedef void (*CoreDeferFn)(Core *c, void *userdata);

typedef struct CoreListener {
        CList link;
        CoreEventFn fn;
        void *userdata;
} CoreListener;

typedef struct CoreLoopOps {
        /* run fn(c, userdata) once on the next main-loop iteration; 0 or -errno */
        int (*defer)(Core *c, CoreDeferFn fn, void *userdata);
        /* the daemon should exit with code */
        void (*request_exit)(Core *c, int code);
        /* watch fd for input on the main loop: cb(userdata) when readable */
        int (*add_fd)(Core *c, int fd, void (*cb)(void *userdata), void *userdata, void **ret_handle);
        void (*remove_fd)(Core *c, void *handle);
} CoreLoopOps;

struct Core {
        IdxMap sinks;
        IdxMap sources;
        IdxMap clients;
        IdxMap modules;
        IdxMap sink_inputs;
        IdxMap source_outputs;
        IdxMap samples;
        IdxMap cards;
        const ModuleDesc **module_descs;
        size_t n_module_descs;
        char *configured_default_sink;
        char *configured_default_source;
        Device *default_sink;
        Device *default_source;
        SampleSpec default_spec;
        ChannelMap default_map;
        uint32_t cookie;
        bool disallow_module_loading;
        bool disallow_exit;
        bool exiting;
        CList listeners;
        CList message_handlers;
        const CoreLoopOps *loop;
        void *loop_userdata;
        uint64_t sample_cache_bytes;
        bool sample_cache_per_owner;    /* system-mode isolation: sample names are per owner uid */
        char *runtime_dir;              /* where relative device paths live */
        int resample_method;            /* DspResampleMethod for new streams */
        /* allocation statistics for STAT */
        uint64_t blocks_allocated_total;
        uint64_t bytes_allocated_total;
};

int core_new(Core **ret);
Core *core_free(Core *c);
static inline void core_freep(Core **c) { if (*c) core_free(*c); }

int core_add_listener(Core *c, CoreListener *l, CoreEventFn fn, void *userdata);
void core_remove_listener(CoreListener *l);
void core_post_event(Core *c, uint32_t facility, uint32_t type, uint32_t index);
int core_defer(Core *c, CoreDeferFn fn, void *userdata);
void core_request_exit(Core *c, int code);

/* Name rules: 1..127 chars of [A-Za-z0-9._-]. */
bool core_name_valid(const char *name);
/* Lookup by name, digits = index, @DEFAULT_SINK@ / @DEFAULT_SOURCE@ / @DEFAULT_MONITOR@
 * when allow_special. Returns NULL if not found. */
Device *core_lookup_device(Core *c, DeviceKind kind, const char *name, bool allow_special);
Device *core_get_device(Core *c, DeviceKind kind, uint32_t index);
IdxMap *core_device_map(Core *c, DeviceKind kind);
/* Addressing rule of most commands: exactly one of index (!= -1) and name.
 * index -1 and name NULL = the default device when allow_default.
 * Return: 0 and the device, ENGINE_E_INVALID, ENGINE_E_NOENTITY. */
int core_resolve_device(Core *c, DeviceKind kind, uint32_t index, const char *name,
                        bool allow_default, Device **ret);

/* Configured default (NULL name = pin the current effective default).
 * Return: 0, ENGINE_E_NOENTITY. */
int core_set_default_device(Core *c, DeviceKind kind, const char *name);
/* Recomputes effective defaults; posts SERVER CHANGE when they change. */
void core_update_defaults(Core *c);

int core_register_message_handler(Core *c, const char *path, const char *description,
                                  MessageHandlerFn fn, void *userdata);
void core_unregister_message_handler(Core *c, const char *path);
/* Return: 0, ENGINE_E_NOENTITY (no handler), ENGINE_E_INVALID, ENGINE_E_NOTIMPLEMENTED. */
int core_send_message(Core *c, const char *path, const char *message, const char *params,
                      char **ret_response);

/* ---- module arguments (PulseAudio quoting rules) ---- */

struct ModArgs {
        size_t n;
        char **keys;
        char **values;
};

/* Parses "k=v k2='a b' k3=\"x\\\"y\"". Unknown keys (not in valid, if valid != NULL),
 * duplicates and syntax errors → ENGINE_E_INVALID. */
int modargs_parse(const char *s, const char *const *valid, ModArgs **ret);
ModArgs *modargs_free(ModArgs *a);
static inline void modargs_freep(ModArgs **a) { if (*a) modargs_free(*a); }
const char *modargs_get(const ModArgs *a, const char *key, const char *def);
int modargs_get_bool(const ModArgs *a, const char *key, bool *v);       /* ENGINE_E_INVALID */
int modargs_get_u32(const ModArgs *a, const char *key, uint32_t *v);
int modargs_get_s32(const ModArgs *a, const char *key, int32_t *v);
/* format=, rate=, channels=, channel_map= onto ss/map (defaults in, result out). */
int modargs_get_sample_spec_and_map(const ModArgs *a, SampleSpec *ss, ChannelMap *map);
int parse_bool(const char *s, bool *ret);   /* 1 y yes t true on / 0 n no f false off */

/* Streams (sink inputs, source outputs) and the sample cache. */
#include "engine/stream.h"

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez.h: shared state of the Bluetooth backend (internal to hw/bluez).
 *
 * Three layers, all on the main thread except the data-thread backends:
 *   discover.c   module-bluez5-discover: the sd-bus connection, BlueZ's
 *                ObjectManager, the A2DP MediaEndpoint1 objects and the
 *                MediaTransport1 objects they get; loads one
 *                module-bluez5-device per connected device (internal load).
 *   hfp.c        the native HFP/HSP backend: Profile1 objects, the AT
 *                service level connection in both roles (audio gateway and
 *                hands-free/headset unit), HFP/HSP gains.
 *   sco.c        the asynchronous SCO opener (kernel socket or test seam).
 *   card.c       module-bluez5-device: the card, its profiles, the sink and
 *                source, transport acquire/release, AVRCP volume.
 *   io.c         the data-thread side: SBC/RTP out, RTP/SBC in with a jitter
 *                buffer, CVSD and mSBC over SCO.
 * There is one discovery per daemon (module-bluez5-discover is load-once);
 * bt_discovery points at it while it is loaded.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include "engine/core.h"
#include "engine/card.h"
#include "hw/bluez/sbc-codec.h"

#define BLUEZ_SERVICE "org.bluez"
#define BLUEZ_MEDIA_IFACE "org.bluez.Media1"
#define BLUEZ_ENDPOINT_IFACE "org.bluez.MediaEndpoint1"
#define BLUEZ_TRANSPORT_IFACE "org.bluez.MediaTransport1"
#define BLUEZ_DEVICE_IFACE "org.bluez.Device1"
#define BLUEZ_ADAPTER_IFACE "org.bluez.Adapter1"
#define BLUEZ_PROFILE_MANAGER_IFACE "org.bluez.ProfileManager1"
#define BLUEZ_PROFILE_IFACE "org.bluez.Profile1"

#define UUID_A2DP_SOURCE "0000110a-0000-1000-8000-00805f9b34fb"
#define UUID_A2DP_SINK "0000110b-0000-1000-8000-00805f9b34fb"
#define UUID_HSP_HS "00001108-0000-1000-8000-00805f9b34fb"
#define UUID_HSP_AG "00001112-0000-1000-8000-00805f9b34fb"
#define UUID_HFP_HF "0000111e-0000-1000-8000-00805f9b34fb"
#define UUID_HFP_AG "0000111f-0000-1000-8000-00805f9b34fb"

#define A2DP_SOURCE_ENDPOINT "/MediaEndpoint/A2DPSource"    /* we send: remote is a sink */
#define A2DP_SINK_ENDPOINT "/MediaEndpoint/A2DPSink"        /* we receive: remote is a source */

#define BT_MAX_TRANSPORTS_PER_DEVICE 8U
#define BT_MAX_DEVICES 64U

typedef struct BtDiscovery BtDiscovery;
typedef struct BtDevice BtDevice;
typedef struct BtTransport BtTransport;
typedef struct BtCard BtCard;
typedef struct HfpConn HfpConn;
typedef struct ScoConnect ScoConnect;

/* HFP/HSP gains (0..15): the speaker's (VGS) and the microphone's (VGM). */
typedef enum HfpGain {
        HFP_GAIN_SPEAKER,
        HFP_GAIN_MIC,
        _HFP_GAIN_N,
} HfpGain;

/* Card profiles, in PulseAudio's names. */
typedef enum BtProfile {
        BT_PROFILE_A2DP_SINK,           /* remote is an A2DP sink: we get a sink */
        BT_PROFILE_A2DP_SOURCE,         /* remote is an A2DP source: we get a source */
        BT_PROFILE_HSP_HS,              /* "headset_head_unit": remote is a headset, we are AG */
        BT_PROFILE_HFP_AG,              /* "headset_audio_gateway": remote is an AG (phone) */
        BT_PROFILE_OFF,
        _BT_PROFILE_N,
} BtProfile;

const char *bt_profile_name(BtProfile p);

typedef enum BtTransportState {
        BT_TRANSPORT_IDLE,
        BT_TRANSPORT_PENDING,
        BT_TRANSPORT_ACTIVE,
} BtTransportState;

typedef enum BtCodec {
        BT_CODEC_SBC,
        BT_CODEC_CVSD,
        BT_CODEC_MSBC,
} BtCodec;

struct BtTransport {
        CList link;                     /* BtDevice.transports */
        BtDevice *device;
        char *path;                     /* MediaTransport1 path (HFP: "<device>/sco") */
        BtProfile profile;
        BtCodec codec;
        uint8_t config[4];              /* SBC configuration (A2DP) */
        BtTransportState state;
        uint16_t volume;                /* AVRCP absolute volume 0..127 */
        bool has_volume;
        uint16_t delay;                 /* 1/10 ms, as BlueZ reports it */
        HfpConn *hfp;                   /* HFP/HSP: the service level connection */
        uint8_t gain[_HFP_GAIN_N];      /* HFP/HSP: last gain from/to the remote, 0..15 */
        bool has_gain[_HFP_GAIN_N];
};

struct BtDevice {
        CList link;                     /* BtDiscovery.devices */
        BtDiscovery *disc;
        char *path;
        char *address;
        char *alias;
        CList transports;
        size_t n_transports;
        Module *module;                 /* module-bluez5-device, NULL = not loaded */
        BtCard *card;                   /* set by that module while it lives */
        bool unload_pending;
};

struct BtDiscovery {
        Core *core;
        Module *module;
        sd_bus *bus;
        sd_event *event;
        sd_bus_slot *slot_noc;          /* NameOwnerChanged of org.bluez */
        sd_bus_slot *slot_added;
        sd_bus_slot *slot_removed;
        sd_bus_slot *slot_props;
        sd_bus_slot *slot_objects;      /* pending GetManagedObjects */
        sd_bus_slot *slot_vtable_src;
        sd_bus_slot *slot_vtable_snk;
        CList adapters;                 /* BtAdapter */
        CList devices;                  /* BtDevice */
        size_t n_devices;
        bool bluez_running;
        bool logged_absent;
        bool enable_a2dp_sink_role;     /* register the sink endpoint (phone -> us) */
        /* HFP/HSP native backend (hfp.c) */
        bool enable_hfp;
        bool enable_hsp;
        bool enable_msbc;
        bool enable_hf;                 /* HF/HS role (we are the headset of a phone) */
        char *sco_socket;               /* test seam: UNIX socket that hands out SCO fds */
        sd_bus_slot *slot_profiles[4];
        CList hfp_conns;                /* HfpConn */
};

extern BtDiscovery *bt_discovery;

/* discover.c */
BtDevice *bt_device_find(BtDiscovery *d, const char *path);
BtTransport *bt_device_transport(BtDevice *dev, BtProfile p);
/* Adds/removes an HFP pseudo-transport (hfp.c). */
int bt_device_add_transport(BtDiscovery *d, const char *dev_path, BtProfile p, BtCodec codec,
                            const char *path, BtTransport **ret);
void bt_transport_remove(BtTransport *t);
/* Tells the device's card about a new transport (loading the card module if needed). */
void bt_transport_publish(BtTransport *t);
/* True if m comes from the current owner of org.bluez. */
bool bt_from_bluez(sd_bus_message *m);
/* A transport's state or volume changed (PropertiesChanged): tell the card. */
void bt_transport_changed(BtTransport *t, bool state_changed, bool volume_changed);

/* card.c (module-bluez5-device) */
extern const ModuleDesc module_bluez5_device_desc;
void bt_card_transport_added(BtCard *c, BtTransport *t);
void bt_card_transport_removed(BtCard *c, BtTransport *t);
void bt_card_transport_changed(BtCard *c, BtTransport *t, bool state_changed, bool volume_changed);
/* The remote set gain g of t (t->gain[g]). */
void bt_card_transport_gain(BtCard *c, BtTransport *t, HfpGain g);

/* hfp.c */
int hfp_register(BtDiscovery *d);
void hfp_unregister(BtDiscovery *d);
void hfp_conn_free_all(BtDiscovery *d);
/* True when the remote applies gain g itself (AG role: the headset has remote volume
 * control), so the device has hardware volume. */
bool hfp_remote_applies_gain(HfpConn *c);
/* Tells the remote our gain g (0..15) when it takes gains: AG role "+VGS"/"+VGM" to a
 * headset with remote volume control, HF role "AT+VGS"/"AT+VGM" reports. */
void hfp_send_gain(HfpConn *c, HfpGain g, unsigned gain);

/* sco.c: opens the SCO link to address asynchronously (through the seam when
 * d->sco_socket is set). cb gets (fd owned by the callee, MTU, 0) or (-1, 0, -errno),
 * once, from the main loop, never from inside sco_connect(); the request is freed
 * after cb returns. Return: 0 (cb will run) or -errno (it will not). */
typedef void (*ScoConnectFn)(int fd, uint16_t mtu, int error, void *userdata);
int sco_connect(BtDiscovery *d, const char *address, BtCodec codec, ScoConnectFn cb, void *userdata,
                ScoConnect **ret);
/* Drops a request whose callback has not run yet. NULL-safe. */
void sco_connect_cancel(ScoConnect *s);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bt-device.c: module-bluez5-device, the card of one Bluetooth device.
 *
 * Loaded by the discovery (internal load, argument path=<Device1 path>)
 * when the device's first transport appears; unloaded when the last one
 * goes. Profiles: a2dp_sink (a sink; the remote plays), a2dp_source (a
 * source; the remote, e.g. a phone, sends), headset_head_unit (sink +
 * source over SCO; we are the HFP/HSP audio gateway), headset_audio_gateway
 * (sink to the phone + source from the phone over SCO; we are the
 * hands-free unit, the remote is the gateway) and off. A profile is
 * available while the device has a transport for it. The SCO link is
 * opened asynchronously (sco.c); the devices exist meanwhile and are
 * silent until it is up.
 *
 * Transports: the a2dp_sink profile acquires its transport as soon as it
 * is active (Acquire); a2dp_source waits for BlueZ to mark the transport
 * "pending" (the remote starts streaming) and then calls TryAcquire. The
 * socket goes to the data thread (bt-io.c). When the remote closes it or
 * the transport turns idle, the socket is dropped; when the transport
 * disappears, the profile switches to off and the device's streams move
 * to the fallback device (device_free rescues them).
 *
 * Volume (AVRCP absolute volume): when the transport has a Volume property
 * the sink gets HW_VOLUME_CTRL; its volume is written to
 * MediaTransport1.Volume (0..127) and a Volume change from the device
 * becomes a sink volume change (CHANGE event). Each direction ignores the
 * echo of its own write.
 *
 * HFP/HSP gains (0..15, gain = volume * 15 / 100 %, rounded): as the audio
 * gateway the speaker gain (VGS) is the sink's volume and the microphone
 * gain (VGM) the source's; as the hands-free unit the speaker plays what
 * comes from the phone, so VGS is the source's volume and VGM the sink's.
 * A headset that applies gains itself gives hardware volume (software at
 * unity); as the hands-free unit we apply them in software.
 *
 * Message API: /card/<card name>/bluez answers list-codecs and get-codec.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "engine/base/log.h"
#include "hw/bluez/bluez.h"
#include "hw/bluez/bt-io.h"

struct BtCard {
        Module *module;
        Core *core;
        BtDiscovery *disc;
        BtDevice *device;
        Card *card;
        CardProfile *profiles[_BT_PROFILE_N];
        BtProfile active;
        BtTransport *transport;         /* the active profile's */
        Device *sink;
        Device *source;
        BtIo *sink_io;
        BtIo *source_io;
        sd_bus_slot *acquire_slot;
        sd_bus_slot *volume_slot;
        ScoConnect *sco;                /* SCO link being opened */
        bool acquired;
        bool volume_from_remote;
        uint16_t volume_sent;           /* last Volume we wrote (echo suppression) */
        bool volume_sent_valid;
        char *msg_path;
        char *name_suffix;              /* "00_11_22_33_44_55" */
};

static const char *const device_args[] = { "path", "autodetect_mtu", "output_rate_refresh_interval_ms",
                                           "avrcp_absolute_volume", NULL };

static const char *const profile_desc[_BT_PROFILE_N] = {
        [BT_PROFILE_A2DP_SINK] = "High Fidelity Playback (A2DP Sink)",
        [BT_PROFILE_A2DP_SOURCE] = "High Fidelity Capture (A2DP Source)",
        [BT_PROFILE_HSP_HS] = "Headset Head Unit (HSP/HFP)",
        [BT_PROFILE_HFP_AG] = "Headset Audio Gateway (HSP/HFP)",
        [BT_PROFILE_OFF] = "Off",
};

static const uint32_t profile_prio[_BT_PROFILE_N] = {
        [BT_PROFILE_A2DP_SINK] = 40, [BT_PROFILE_A2DP_SOURCE] = 20, [BT_PROFILE_HSP_HS] = 30,
        [BT_PROFILE_HFP_AG] = 10, [BT_PROFILE_OFF] = 0,
};

static const char *codec_name(BtCodec c) {
        return c == BT_CODEC_SBC ? "sbc" : c == BT_CODEC_MSBC ? "msbc" : "cvsd";
}

static BtProfile profile_of(BtCard *c, CardProfile *p) {
        for (int i = 0; i < _BT_PROFILE_N; i++)
                if (c->profiles[i] == p)
                        return (BtProfile)i;
        return BT_PROFILE_OFF;
}

/* ---- volume ---- */

static Volume volume_from_bt(uint16_t v) {
        return (Volume)(((uint64_t)C_MIN(v, (uint16_t)127) * VOLUME_NORM + 63) / 127);
}

static uint16_t volume_to_bt(Volume v) {
        uint64_t x = ((uint64_t)C_MIN(v, (Volume)VOLUME_NORM) * 127 + VOLUME_NORM / 2) / VOLUME_NORM;

        return (uint16_t)C_MIN(x, (uint64_t)127);
}

static int on_volume_set(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtCard *c = userdata;
        const sd_bus_error *err = sd_bus_message_get_error(m);

        c->volume_slot = sd_bus_slot_unref(c->volume_slot);
        if (err)
                log_warn("Bluetooth: setting the volume of %s failed: %s", c->device->address,
                         err->message ? err->message : err->name);
        return 0;
}

/* ---- HFP/HSP gains ---- */

static Volume volume_from_gain(uint8_t g) {
        return (Volume)(((uint64_t)C_MIN(g, (uint8_t)15) * VOLUME_NORM + 7) / 15);
}

static unsigned gain_from_volume(Volume v) {
        uint64_t x = ((uint64_t)C_MIN(v, (Volume)VOLUME_NORM) * 15 + VOLUME_NORM / 2) / VOLUME_NORM;

        return (unsigned)C_MIN(x, (uint64_t)15);
}

/* Which gain a device of the active profile carries. */
static HfpGain gain_of(BtCard *c, DeviceKind kind) {
        bool hf = c->active == BT_PROFILE_HFP_AG;

        return (kind == DEVICE_SINK) != hf ? HFP_GAIN_SPEAKER : HFP_GAIN_MIC;
}

static Device *device_of_gain(BtCard *c, HfpGain g) {
        if (c->active != BT_PROFILE_HSP_HS && c->active != BT_PROFILE_HFP_AG)
                return NULL;
        return gain_of(c, DEVICE_SINK) == g ? c->sink : c->source;
}

static int hfp_set_volume(Device *d) {
        BtCard *c = d->userdata;
        BtTransport *t = c->transport;

        if (t && t->hfp && !c->volume_from_remote)
                hfp_send_gain(t->hfp, gain_of(c, d->kind), gain_from_volume(cvolume_max(&d->volume)));
        return 0;
}

void bt_card_transport_gain(BtCard *c, BtTransport *t, HfpGain g) {
        Device *d = t == c->transport ? device_of_gain(c, g) : NULL;
        CVolume v;

        if (!d || !t->has_gain[g])
                return;
        cvolume_set(&v, d->spec.channels, volume_from_gain(t->gain[g]));
        c->volume_from_remote = true;
        (void)device_set_volume(d, &v);
        c->volume_from_remote = false;
}

static int sink_set_volume(Device *d) {
        BtCard *c = d->userdata;
        BtTransport *t = c->transport;
        uint16_t v;
        int r;

        if (t && t->hfp)
                return hfp_set_volume(d);
        if (!t || !t->has_volume || c->volume_from_remote || !c->disc->bus)
                return 0;
        v = volume_to_bt(cvolume_max(&d->volume));
        if (v == t->volume && c->volume_sent_valid && v == c->volume_sent)
                return 0;
        c->volume_slot = sd_bus_slot_unref(c->volume_slot);
        r = sd_bus_call_method_async(c->disc->bus, &c->volume_slot, BLUEZ_SERVICE, t->path,
                                     "org.freedesktop.DBus.Properties", "Set", on_volume_set, c,
                                     "ssv", BLUEZ_TRANSPORT_IFACE, "Volume", "q", v);
        if (r < 0)
                log_warn("Bluetooth: cannot set the volume: %s", strerror(-r));
        c->volume_sent = v;
        c->volume_sent_valid = true;
        t->volume = v;
        return 0;
}

static void apply_remote_volume(BtCard *c) {
        BtTransport *t = c->transport;
        CVolume v;

        if (!c->sink || !t || !t->has_volume || !(c->sink->flags & SINK_FLAG_HW_VOLUME_CTRL))
                return;
        if (c->volume_sent_valid && t->volume == volume_to_bt(cvolume_max(&c->sink->volume)))
                return;         /* the echo of our own write, or no change */
        cvolume_set(&v, c->sink->spec.channels, volume_from_bt(t->volume));
        c->volume_from_remote = true;
        (void)device_set_volume(c->sink, &v);
        c->volume_from_remote = false;
}

static const DeviceOps sink_ops = {
        .set_volume = sink_set_volume,
};

static const DeviceOps source_ops = {
        .set_volume = hfp_set_volume,
};

/* ---- transport acquisition ---- */

static void release_fd(BtCard *c) {
        if (c->sink_io)
                (void)bt_io_set_fd(c->sink_io, -1, 0, 0);
        if (c->source_io)
                (void)bt_io_set_fd(c->source_io, -1, 0, 0);
        c->acquired = false;
}

static void release_transport(BtCard *c) {
        BtTransport *t = c->transport;

        c->acquire_slot = sd_bus_slot_unref(c->acquire_slot);
        sco_connect_cancel(c->sco);
        c->sco = NULL;
        if (!c->acquired)
                return;
        release_fd(c);
        if (t && t->codec == BT_CODEC_SBC && c->disc->bus)
                (void)sd_bus_call_method_async(c->disc->bus, NULL, BLUEZ_SERVICE, t->path,
                                               BLUEZ_TRANSPORT_IFACE, "Release", NULL, NULL, "");
}

static int on_acquired(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtCard *c = userdata;
        const sd_bus_error *err = sd_bus_message_get_error(m);
        BtIo *io = c->active == BT_PROFILE_A2DP_SINK ? c->sink_io : c->source_io;
        uint16_t rmtu, wmtu;
        int fd, type = 0, r;
        socklen_t tl = sizeof(type);

        c->acquire_slot = sd_bus_slot_unref(c->acquire_slot);
        if (err) {
                log_warn("Bluetooth: acquiring %s failed: %s", c->transport ? c->transport->path : "?",
                         err->message ? err->message : err->name);
                return 0;
        }
        r = sd_bus_message_read(m, "hqq", &fd, &rmtu, &wmtu);
        if (r < 0 || !io) {
                log_warn("Bluetooth: malformed Acquire reply (%s).", r < 0 ? strerror(-r) : "no device");
                goto release;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET ||
            rmtu == 0 || wmtu == 0) {
                log_warn("Bluetooth: Acquire returned an unusable socket (type %d, MTU %u/%u).",
                         type, rmtu, wmtu);
                goto release;
        }
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);     /* the message keeps its own */
        if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0) {
                log_warn("Bluetooth: cannot use the transport socket: %m");
                if (fd >= 0)
                        close(fd);
                goto release;
        }
        r = bt_io_set_fd(io, fd, rmtu, wmtu);
        if (r) {
                log_warn("Bluetooth: write MTU %u is too small for one SBC frame.", wmtu);
                goto release;
        }
        c->acquired = true;
        log_info("Bluetooth: acquired %s (MTU %u/%u).", c->transport->path, rmtu, wmtu);
        return 0;
release:
        c->acquired = true;     /* so release_transport() tells BlueZ */
        release_transport(c);
        return 0;
}

static void acquire_transport(BtCard *c, bool try_only) {
        BtTransport *t = c->transport;
        int r;

        if (!t || t->codec != BT_CODEC_SBC || c->acquired || c->acquire_slot || !c->disc->bus)
                return;
        r = sd_bus_call_method_async(c->disc->bus, &c->acquire_slot, BLUEZ_SERVICE, t->path,
                                     BLUEZ_TRANSPORT_IFACE, try_only ? "TryAcquire" : "Acquire",
                                     on_acquired, c, "");
        if (r < 0)
                log_warn("Bluetooth: cannot acquire %s: %s", t->path, strerror(-r));
}

/* The data thread saw the socket fail (EOF, reset): drop it. */
static void on_io_failure(void *userdata) {
        BtCard *c = userdata;

        if (!c->acquired)
                return;
        log_info("Bluetooth: the %s stream of %s was closed by the remote side.",
                 bt_profile_name(c->active), c->device->address);
        release_transport(c);
}

static void on_sco(int fd, uint16_t mtu, int error, void *userdata) {
        BtCard *c = userdata;
        int fd2;

        c->sco = NULL;
        if (fd < 0 || !c->transport || !c->sink_io || !c->source_io) {
                log_warn("Bluetooth: cannot open the SCO link of %s: %s", c->device->address,
                         strerror(fd < 0 ? -error : ENODEV));
                if (fd >= 0)
                        close(fd);
                return;
        }
        fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd2 < 0) {
                close(fd);
                return;
        }
        if (bt_io_set_fd(c->sink_io, fd, mtu, mtu) || bt_io_set_fd(c->source_io, fd2, mtu, mtu)) {
                log_warn("Bluetooth: SCO MTU %u is unusable.", mtu);
                release_fd(c);
                return;
        }
        c->acquired = true;
        log_info("Bluetooth: SCO link of %s open (%s, MTU %u).", c->device->address,
                 codec_name(c->transport->codec), mtu);
}

static void open_sco(BtCard *c) {
        int r;

        if (c->sco || c->acquired)
                return;
        r = sco_connect(c->disc, c->device->address, c->transport->codec, on_sco, c, &c->sco);
        if (r < 0) {
                c->sco = NULL;
                log_warn("Bluetooth: cannot open the SCO link of %s: %s", c->device->address,
                         strerror(-r));
        }
}

/* ---- devices of a profile ---- */

static void teardown(BtCard *c) {
        release_transport(c);
        c->volume_slot = sd_bus_slot_unref(c->volume_slot);
        device_free(c->sink);
        device_free(c->source);
        c->sink = c->source = NULL;
        bt_io_free(c->sink_io);
        bt_io_free(c->source_io);
        c->sink_io = c->source_io = NULL;
        c->transport = NULL;
        c->active = BT_PROFILE_OFF;
        c->volume_sent_valid = false;
}

static int make_device(BtCard *c, DeviceKind kind, BtTransport *t, BtProfile p) {
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        _c_cleanup_free_ char *name = NULL;
        BtIo **io = kind == DEVICE_SINK ? &c->sink_io : &c->source_io;
        Device **dev = kind == DEVICE_SINK ? &c->sink : &c->source;
        const char *alias = c->device->alias ? c->device->alias : c->device->address;
        SampleSpec ss = { .format = SAMPLE_S16LE };
        bool hfp = t->codec != BT_CODEC_SBC;
        bool hw_volume = hfp ? hfp_remote_applies_gain(t->hfp)
                         : kind == DEVICE_SINK && t->has_volume;
        HfpGain g = gain_of(c, kind);
        int r;

        if (!props)
                return -ENOMEM;
        ss.rate = t->codec == BT_CODEC_SBC ? sbc_config_rate(t->config) : t->codec == BT_CODEC_MSBC ? 16000 : 8000;
        ss.channels = t->codec == BT_CODEC_SBC ? sbc_config_channels(t->config) : 1;
        if (asprintf(&name, "bluez_%s.%s.%s", kind == DEVICE_SINK ? "sink" : "source", c->name_suffix,
                     bt_profile_name(p)) < 0)
                return -ENOMEM;
        if (proplist_sets(props, "device.description", alias) < 0 ||
            proplist_sets(props, "device.string", c->device->address) < 0 ||
            proplist_sets(props, "device.api", "bluez") < 0 ||
            proplist_sets(props, "device.bus", "bluetooth") < 0 ||
            proplist_sets(props, "device.class", "sound") < 0 ||
            proplist_sets(props, "bluez.path", c->device->path) < 0 ||
            proplist_sets(props, "bluetooth.protocol", bt_profile_name(p)) < 0 ||
            proplist_sets(props, "bluetooth.codec", codec_name(t->codec)) < 0 ||
            proplist_sets(props, "device.icon_name", "audio-headset-bluetooth") < 0)
                return -ENOMEM;
        r = bt_io_new(c->core, kind, t->codec, t->config, on_io_failure, c, io);
        if (r < 0)
                return r;
        bt_io_set_transport_delay(*io, (uint64_t)t->delay * 100ULL);
        {
                DeviceNew dn = {
                        .kind = kind, .name = name, .driver = "module-bluez5-device.c",
                        .module = c->module, .spec = ss, .props = props,
                        .flags = (kind == DEVICE_SINK ? SINK_FLAG_LATENCY | SINK_FLAG_HARDWARE
                                  : SOURCE_FLAG_LATENCY | SOURCE_FLAG_HARDWARE) |
                                 (hw_volume ? SINK_FLAG_HW_VOLUME_CTRL : 0),
                        .ops = kind == DEVICE_SINK ? &sink_ops : &source_ops,
                        .userdata = c,
                        .with_monitor = kind == DEVICE_SINK,
                };

                r = device_new(c->core, &dn, dev);
        }
        if (r)
                return r;
        (*dev)->card = c->card;
        if (hfp && t->has_gain[g])
                cvolume_set(&(*dev)->volume, ss.channels, volume_from_gain(t->gain[g]));
        else if (hw_volume)
                cvolume_set(&(*dev)->volume, ss.channels, volume_from_bt(t->volume));
        bt_io_attach(*io, *dev);
        r = device_io_start(*dev, &bt_io_backend, *io);
        if (r == 0 && hw_volume) {
                /* the headphones apply the volume: software plays at unity (mute stays ours) */
                cvolume_set(&(*dev)->io->soft_volume, ss.channels, VOLUME_NORM);
                (*dev)->io->use_soft_volume = true;
                device_io_sync(*dev);
        }
        return r;
}

static int card_set_profile_op(Card *card, CardProfile *cp) {
        BtCard *c = card->userdata;
        BtProfile p = cp ? profile_of(c, cp) : BT_PROFILE_OFF;
        BtTransport *t = NULL;
        int r = 0;

        if (p != BT_PROFILE_OFF) {
                t = bt_device_transport(c->device, p);
                if (!t)
                        return ENGINE_E_NOTSUPPORTED;
        }
        teardown(c);
        if (p == BT_PROFILE_OFF)
                return 0;
        c->transport = t;
        c->active = p;
        if (p == BT_PROFILE_A2DP_SINK || p == BT_PROFILE_HSP_HS || p == BT_PROFILE_HFP_AG)
                r = make_device(c, DEVICE_SINK, t, p);
        if (r == 0 && (p == BT_PROFILE_A2DP_SOURCE || p == BT_PROFILE_HSP_HS || p == BT_PROFILE_HFP_AG))
                r = make_device(c, DEVICE_SOURCE, t, p);
        if (r) {
                log_warn("Bluetooth: cannot bring up %s on %s (%d).", bt_profile_name(p),
                         c->device->address, r);
                teardown(c);
                return r < 0 ? ENGINE_E_INTERNAL : r;
        }
        if (p == BT_PROFILE_A2DP_SINK)
                acquire_transport(c, false);
        else if (p == BT_PROFILE_A2DP_SOURCE && t->state == BT_TRANSPORT_PENDING)
                acquire_transport(c, true);
        else if (p == BT_PROFILE_HSP_HS || p == BT_PROFILE_HFP_AG)
                open_sco(c);
        return 0;
}

/* ---- notifications from the discovery ---- */

void bt_card_transport_added(BtCard *c, BtTransport *t) {
        CardProfile *p = c->profiles[t->profile];

        if (!p)
                return;
        card_set_profile_available(c->card, p, true);
        if (c->active == BT_PROFILE_OFF)
                (void)card_set_profile(c->card, p->name);
}

void bt_card_transport_removed(BtCard *c, BtTransport *t) {
        CardProfile *p = c->profiles[t->profile];

        if (c->transport == t)
                (void)card_set_profile(c->card, "off");
        if (c->transport == t)          /* "off" could not be set: never keep a stale pointer */
                teardown(c);
        if (p)
                card_set_profile_available(c->card, p, false);
}

void bt_card_transport_changed(BtCard *c, BtTransport *t, bool state_changed, bool volume_changed) {
        if (t != c->transport)
                return;
        if (state_changed) {
                if (t->state == BT_TRANSPORT_PENDING && !c->acquired)
                        acquire_transport(c, c->active == BT_PROFILE_A2DP_SOURCE);
                else if (t->state == BT_TRANSPORT_IDLE && c->acquired) {
                        log_info("Bluetooth: transport %s went idle.", t->path);
                        c->acquire_slot = sd_bus_slot_unref(c->acquire_slot);
                        release_fd(c);
                }
        }
        if (volume_changed)
                apply_remote_volume(c);
        if (c->sink_io)
                bt_io_set_transport_delay(c->sink_io, (uint64_t)t->delay * 100ULL);
        if (c->source_io)
                bt_io_set_transport_delay(c->source_io, (uint64_t)t->delay * 100ULL);
}

/* ---- message API ---- */

static int card_message(Core *core, const char *path, const char *message, const char *params,
                        char **ret_response, void *userdata) {
        BtCard *c = userdata;
        char *out = NULL;
        int r = -ENOMEM;

        if (strcmp(message, "list-codecs") == 0) {
                if (c->active == BT_PROFILE_HSP_HS || c->active == BT_PROFILE_HFP_AG)
                        out = strdup(c->disc->enable_msbc
                                     ? "[{\"name\":\"cvsd\",\"description\":\"CVSD\"},"
                                       "{\"name\":\"msbc\",\"description\":\"mSBC\"}]"
                                     : "[{\"name\":\"cvsd\",\"description\":\"CVSD\"}]");
                else if (c->active == BT_PROFILE_OFF)
                        out = strdup("[]");
                else
                        out = strdup("[{\"name\":\"sbc\",\"description\":\"SBC\"}]");
        } else if (strcmp(message, "get-codec") == 0) {
                if (!c->transport)
                        out = strdup("null");
                else
                        r = asprintf(&out, "\"%s\"", codec_name(c->transport->codec)) < 0 ? -ENOMEM : 0;
        } else {
                return ENGINE_E_NOTIMPLEMENTED;
        }
        if (!out)
                return r;
        *ret_response = out;
        return 0;
}

/* ---- the module ---- */

static void card_free_op(Card *card) {
}

static const CardOps bt_card_ops = {
        .set_profile = card_set_profile_op,
        .free = card_free_op,
};

static void device_module_done(Module *m) {
        BtCard *c = m->userdata;

        if (!c)
                return;
        if (c->msg_path)
                core_unregister_message_handler(c->core, c->msg_path);
        card_free(c->card);             /* set_profile(NULL): devices go, streams are rescued */
        teardown(c);
        if (c->device) {
                c->device->card = NULL;
                if (c->device->module == m)
                        c->device->module = NULL;
        }
        free(c->msg_path);
        free(c->name_suffix);
        free(c);
        m->userdata = NULL;
}

static int device_module_init(Module *m, ModArgs *ma) {
        const char *path = modargs_get(ma, "path", NULL);
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        _c_cleanup_free_ char *card_name = NULL;
        BtDevice *dev;
        BtCard *c;
        int r;

        if (!props)
                return -ENOMEM;
        if (!bt_discovery || !path || !(dev = bt_device_find(bt_discovery, path))) {
                log_error("Bluetooth: %s is not a known Bluetooth device (is module-bluez5-discover loaded?).",
                          path ? path : "(no path=)");
                return ENGINE_E_INVALID;
        }
        if (dev->card) {
                log_error("Bluetooth: device %s already has a card.", dev->address);
                return ENGINE_E_EXIST;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        m->userdata = c;
        c->module = m;
        c->core = m->core;
        c->disc = bt_discovery;
        c->device = dev;
        c->active = BT_PROFILE_OFF;
        c->name_suffix = strdup(dev->address);
        if (!c->name_suffix)
                return -ENOMEM;
        for (char *p = c->name_suffix; *p; p++)
                if (*p == ':')
                        *p = '_';
        if (asprintf(&card_name, "bluez_card.%s", c->name_suffix) < 0 ||
            proplist_sets(props, "device.description", dev->alias ? dev->alias : dev->address) < 0 ||
            proplist_sets(props, "device.string", dev->address) < 0 ||
            proplist_sets(props, "device.api", "bluez") < 0 ||
            proplist_sets(props, "device.bus", "bluetooth") < 0 ||
            proplist_sets(props, "bluez.path", dev->path) < 0 ||
            proplist_sets(props, "device.icon_name", "audio-headset-bluetooth") < 0)
                return -ENOMEM;
        {
                CardNew cn = {
                        .name = card_name, .driver = "module-bluez5-device.c", .module = m,
                        .props = props, .ops = &bt_card_ops, .userdata = c,
                };

                r = card_new(m->core, &cn, &c->card);
        }
        if (r)
                return r;
        for (int i = 0; i < _BT_PROFILE_N; i++) {
                BtProfile p = (BtProfile)i;
                uint32_t ns = p == BT_PROFILE_A2DP_SINK || p == BT_PROFILE_HSP_HS ||
                              p == BT_PROFILE_HFP_AG;
                uint32_t nsrc = p == BT_PROFILE_A2DP_SOURCE || p == BT_PROFILE_HSP_HS ||
                                p == BT_PROFILE_HFP_AG;

                c->profiles[i] = card_add_profile(c->card, bt_profile_name(p), profile_desc[i], ns,
                                                  nsrc, profile_prio[i],
                                                  p == BT_PROFILE_OFF || bt_device_transport(dev, p));
                if (!c->profiles[i])
                        return -ENOMEM;
        }
        dev->card = c;
        r = card_put(c->card, NULL);
        if (r) {
                dev->card = NULL;
                return r;
        }
        if (asprintf(&c->msg_path, "/card/%s/bluez", card_name) < 0)
                return -ENOMEM;
        r = core_register_message_handler(m->core, c->msg_path, "Bluetooth codec control",
                                          card_message, c);
        if (r) {
                free(c->msg_path);
                c->msg_path = NULL;
                return r < 0 ? r : ENGINE_E_EXIST;
        }
        return 0;
}

static int device_module_n_used(Module *m) {
        BtCard *c = m->userdata;
        int n = 0;

        if (!c)
                return 0;
        if (c->sink)
                c_list_for_each(it, &c->sink->streams)
                        n++;
        if (c->source)
                c_list_for_each(it, &c->source->streams)
                        n++;
        return n;
}

const ModuleDesc module_bluez5_device_desc = {
        .name = "module-bluez5-device",
        .description = "BlueZ 5 Bluetooth audio sink and source",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "path=<device object path> autodetect_mtu=<boolean> avrcp_absolute_volume=<boolean>",
        .valid_args = device_args,
        .init = device_module_init,
        .done = device_module_done,
        .get_n_used = device_module_n_used,
};

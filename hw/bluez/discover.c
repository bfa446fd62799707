/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* discover.c: module-bluez5-discover (and its alias module-bluetooth-discover).
 *
 * Talks to BlueZ on the system bus (sd_bus_open_system, so
 * DBUS_SYSTEM_BUS_ADDRESS works for tests) from the daemon's sd-event loop
 * (sd_event_default() is the daemon's loop: it runs on the main thread).
 *
 *  - BlueZ presence: NameOwnerChanged for org.bluez. While it is absent the
 *    module waits and says so once; when it (re)appears we read its
 *    objects (GetManagedObjects) and register again; when it goes away every
 *    device is dropped (cards removed, streams rescued).
 *  - Adapters: on each org.bluez.Adapter1 we register two A2DP SBC endpoints
 *    with Media1.RegisterEndpoint: A2DPSource (we send, the remote is a sink)
 *    and A2DPSink (we receive).
 *  - MediaEndpoint1: SelectConfiguration picks the best SBC parameters the
 *    remote allows (sbc-codec.c); SetConfiguration validates what BlueZ
 *    pushes and creates a BtTransport; ClearConfiguration drops it.
 *  - Devices: the first transport of a device loads module-bluez5-device for
 *    it as an internal load (so --disallow-module-loading does not stop
 *    hotplug); when the last transport goes, the module is unloaded.
 *
 * Everything from the bus is untrusted: method calls are accepted only from
 * the current owner of org.bluez, every type is checked (a wrong signature is
 * an error reply, never a crash), counts are bounded (devices, transports per
 * device), strings are copied before the message goes away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/base/log.h"
#include "hw/bluez/bluez.h"

BtDiscovery *bt_discovery;

typedef struct BtAdapter {
        CList link;
        char *path;
        sd_bus_slot *slot_reg[2];
} BtAdapter;

static const char *const discover_args[] = {
        "headset", "autodetect_mtu", "enable_msbc", "enable_native_hfp_hf",
        "output_rate_refresh_interval_ms", "sco_socket", "enable_a2dp_sink", NULL,
};

static const char *const profile_names[_BT_PROFILE_N] = {
        [BT_PROFILE_A2DP_SINK] = "a2dp_sink",
        [BT_PROFILE_A2DP_SOURCE] = "a2dp_source",
        [BT_PROFILE_HSP_HS] = "headset_head_unit",
        [BT_PROFILE_HFP_AG] = "headset_audio_gateway",
        [BT_PROFILE_OFF] = "off",
};

const char *bt_profile_name(BtProfile p) {
        return p < _BT_PROFILE_N ? profile_names[p] : "off";
}

static char *bluez_owner;       /* unique name of org.bluez, or NULL */

/* ---- devices and transports ---- */

BtDevice *bt_device_find(BtDiscovery *d, const char *path) {
        BtDevice *dev;

        c_list_for_each_entry(dev, &d->devices, link)
                if (strcmp(dev->path, path) == 0)
                        return dev;
        return NULL;
}

BtTransport *bt_device_transport(BtDevice *dev, BtProfile p) {
        BtTransport *t;

        c_list_for_each_entry(t, &dev->transports, link)
                if (t->profile == p)
                        return t;
        return NULL;
}

static BtTransport *transport_find(BtDiscovery *d, const char *path) {
        BtDevice *dev;
        BtTransport *t;

        c_list_for_each_entry(dev, &d->devices, link)
                c_list_for_each_entry(t, &dev->transports, link)
                        if (strcmp(t->path, path) == 0)
                                return t;
        return NULL;
}

/* "/org/bluez/hci0/dev_00_11_22_33_44_55" -> "00:11:22:33:44:55" (fallback address) */
static char *address_from_path(const char *path) {
        const char *p = strstr(path, "/dev_");
        char *a;

        if (!p || strlen(p + 5) != 17)
                return strdup("00:00:00:00:00:00");
        a = strdup(p + 5);
        if (!a)
                return NULL;
        for (char *c = a; *c; c++)
                if (*c == '_')
                        *c = ':';
        return a;
}

static bool address_valid(const char *a) {
        if (strlen(a) != 17)
                return false;
        for (int i = 0; i < 17; i++) {
                if (i % 3 == 2 ? a[i] != ':' : !strchr("0123456789abcdefABCDEF", a[i]))
                        return false;
        }
        return true;
}

static BtDevice *device_get(BtDiscovery *d, const char *path) {
        BtDevice *dev = bt_device_find(d, path);

        if (dev)
                return dev;
        if (d->n_devices >= BT_MAX_DEVICES || !sd_bus_object_path_is_valid(path))
                return NULL;
        dev = calloc(1, sizeof(*dev));
        if (!dev)
                return NULL;
        dev->disc = d;
        c_list_init(&dev->transports);
        dev->path = strdup(path);
        dev->address = address_from_path(path);
        if (!dev->path || !dev->address) {
                free(dev->path);
                free(dev->address);
                free(dev);
                return NULL;
        }
        c_list_link_tail(&d->devices, &dev->link);
        d->n_devices++;
        return dev;
}

static void device_unload_module(BtDevice *dev) {
        Module *m = dev->module;

        if (!m)
                return;
        dev->module = NULL;
        /* synchronous: the card's code is never on the stack here (we are in a bus
         * or loop callback of discover.c/hfp.c) */
        module_unload(m);
}

static void btdev_free(BtDevice *dev) {
        BtTransport *t;

        device_unload_module(dev);
        c_list_for_each_entry_safe(t, tmp, &dev->transports, link)
                bt_transport_remove(t);
        c_list_unlink(&dev->link);
        dev->disc->n_devices--;
        free(dev->path);
        free(dev->address);
        free(dev->alias);
        free(dev);
}

static void device_load_module(BtDevice *dev) {
        _c_cleanup_free_ char *args = NULL;
        Module *m = NULL;
        int r;

        if (dev->module)
                return;
        if (asprintf(&args, "path=%s", dev->path) < 0)
                return;
        r = module_load(dev->disc->core, "module-bluez5-device", args, MODULE_ORIGIN_INTERNAL, &m);
        if (r) {
                log_warn("Bluetooth: could not set up device %s (%d).", dev->address, r);
                return;
        }
        dev->module = m;
}

int bt_device_add_transport(BtDiscovery *d, const char *dev_path, BtProfile p, BtCodec codec,
                            const char *path, BtTransport **ret) {
        BtDevice *dev;
        BtTransport *t;

        if (transport_find(d, path))
                return ENGINE_E_EXIST;
        dev = device_get(d, dev_path);
        if (!dev)
                return ENGINE_E_TOOLARGE;
        if (dev->n_transports >= BT_MAX_TRANSPORTS_PER_DEVICE || bt_device_transport(dev, p))
                return ENGINE_E_BUSY;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->path = strdup(path);
        if (!t->path) {
                free(t);
                return -ENOMEM;
        }
        t->device = dev;
        t->profile = p;
        t->codec = codec;
        c_list_link_tail(&dev->transports, &t->link);
        dev->n_transports++;
        *ret = t;
        return 0;
}

/* Makes the new transport known to the device's card (loading it if needed). */
void bt_transport_publish(BtTransport *t) {
        BtDevice *dev = t->device;

        log_info("Bluetooth: %s transport %s for %s.", bt_profile_name(t->profile), t->path,
                 dev->address);
        if (dev->card)
                bt_card_transport_added(dev->card, t);
        else
                device_load_module(dev);
}

void bt_transport_remove(BtTransport *t) {
        BtDevice *dev = t->device;

        if (dev->card)
                bt_card_transport_removed(dev->card, t);
        c_list_unlink(&t->link);
        dev->n_transports--;
        free(t->path);
        free(t);
        if (dev->n_transports == 0)
                device_unload_module(dev);
}

void bt_transport_changed(BtTransport *t, bool state_changed, bool volume_changed) {
        if (t->device->card)
                bt_card_transport_changed(t->device->card, t, state_changed, volume_changed);
}

/* ---- property parsing (a{sv}) ---- */

typedef int (*PropFn)(sd_bus_message *m, const char *key, const char *sig, void *userdata);

/* Walks an a{sv}; fn reads the variant's contents and returns 1, or returns 0 to have
 * it skipped. A wrong structure is an error (negative errno from sd-bus). */
static int parse_props(sd_bus_message *m, PropFn fn, void *userdata) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = fn(m, key, contents, userdata);
                if (r < 0)
                        return r;
                if (r == 0) {
                        r = sd_bus_message_skip(m, contents);
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

typedef struct TransportProps {
        char device[256];
        char uuid[64];
        uint8_t codec;
        bool has_codec;
        uint8_t config[4];
        size_t config_len;
        bool config_seen;
        char state[16];
        uint16_t delay;
        uint16_t volume;
        bool has_volume;
        bool has_delay;
} TransportProps;

static int transport_prop(sd_bus_message *m, const char *key, const char *sig, void *userdata) {
        TransportProps *p = userdata;
        const char *s;
        int r;

        if (strcmp(key, "Device") == 0 && strcmp(sig, "o") == 0) {
                r = sd_bus_message_read(m, "o", &s);
                if (r >= 0)
                        snprintf(p->device, sizeof(p->device), "%s", s);
                return r < 0 ? r : 1;
        }
        if (strcmp(key, "UUID") == 0 && strcmp(sig, "s") == 0) {
                r = sd_bus_message_read(m, "s", &s);
                if (r >= 0)
                        snprintf(p->uuid, sizeof(p->uuid), "%s", s);
                return r < 0 ? r : 1;
        }
        if (strcmp(key, "Codec") == 0 && strcmp(sig, "y") == 0) {
                r = sd_bus_message_read(m, "y", &p->codec);
                p->has_codec = r >= 0;
                return r < 0 ? r : 1;
        }
        if (strcmp(key, "Configuration") == 0 && strcmp(sig, "ay") == 0) {
                const void *data;
                size_t n;

                r = sd_bus_message_read_array(m, 'y', &data, &n);
                if (r < 0)
                        return r;
                p->config_seen = true;
                p->config_len = n;
                if (n == 4)
                        memcpy(p->config, data, 4);
                return 1;
        }
        if (strcmp(key, "State") == 0 && strcmp(sig, "s") == 0) {
                r = sd_bus_message_read(m, "s", &s);
                if (r >= 0)
                        snprintf(p->state, sizeof(p->state), "%s", s);
                return r < 0 ? r : 1;
        }
        if (strcmp(key, "Delay") == 0 && strcmp(sig, "q") == 0) {
                r = sd_bus_message_read(m, "q", &p->delay);
                p->has_delay = r >= 0;
                return r < 0 ? r : 1;
        }
        if (strcmp(key, "Volume") == 0 && strcmp(sig, "q") == 0) {
                r = sd_bus_message_read(m, "q", &p->volume);
                p->has_volume = r >= 0;
                return r < 0 ? r : 1;
        }
        return 0;
}

static int state_from_string(const char *s, BtTransportState *ret) {
        if (strcmp(s, "idle") == 0)
                *ret = BT_TRANSPORT_IDLE;
        else if (strcmp(s, "pending") == 0)
                *ret = BT_TRANSPORT_PENDING;
        else if (strcmp(s, "active") == 0)
                *ret = BT_TRANSPORT_ACTIVE;
        else
                return ENGINE_E_INVALID;
        return 0;
}

/* ---- MediaEndpoint1 ---- */

bool bt_from_bluez(sd_bus_message *m) {
        const char *sender = sd_bus_message_get_sender(m);

        /* direct (peer-to-peer) connections have no sender: trust nothing but BlueZ */
        return sender && bluez_owner && strcmp(sender, bluez_owner) == 0;
}

static int ep_select(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const void *caps;
        uint8_t cfg[4];
        char desc[128];
        size_t n;
        int r;

        if (!bt_from_bluez(m))
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "not BlueZ");
        r = sd_bus_message_read_array(m, 'y', &caps, &n);
        if (r < 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments", "bad capabilities");
        r = sbc_select_configuration(caps, n, cfg);
        if (r) {
                log_warn("Bluetooth: SelectConfiguration with %s SBC capabilities (%zu bytes).",
                         r == SBC_E_INVALID ? "malformed" : "unsupported", n);
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
                                        "no usable SBC configuration");
        }
        sbc_config_describe(cfg, desc, sizeof(desc));
        log_info("Bluetooth: selected SBC %s.", desc);
        {
                _c_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

                r = sd_bus_message_new_method_return(m, &reply);
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', cfg, 4);
                if (r >= 0)
                        r = sd_bus_send(NULL, reply, NULL);
        }
        return r < 0 ? r : 1;
}

static int ep_set(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BtDiscovery *d = userdata;
        bool source_ep = strcmp(sd_bus_message_get_path(m), A2DP_SOURCE_ENDPOINT) == 0;
        TransportProps p = { 0 };
        BtTransport *t;
        const char *path;
        char desc[128];
        int r;

        if (!bt_from_bluez(m))
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "not BlueZ");
        r = sd_bus_message_read(m, "o", &path);
        if (r >= 0)
                r = parse_props(m, transport_prop, &p);
        if (r < 0) {
                log_warn("Bluetooth: malformed SetConfiguration: %s", strerror(-r));
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments", "malformed");
        }
        if (!p.device[0] || !p.config_seen || (p.has_codec && p.codec != 0) ||
            sbc_validate_configuration(p.config, p.config_len)) {
                log_warn("Bluetooth: SetConfiguration for %s refused: %s.", path,
                         !p.device[0] ? "no device" : !p.config_seen ? "no configuration"
                         : (p.has_codec && p.codec != 0) ? "not SBC"
                         : "configuration outside the SBC capabilities");
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
                                        "invalid configuration");
        }
        r = bt_device_add_transport(d, p.device, source_ep ? BT_PROFILE_A2DP_SINK : BT_PROFILE_A2DP_SOURCE,
                                    BT_CODEC_SBC, path, &t);
        if (r) {
                log_warn("Bluetooth: SetConfiguration for %s refused (%d).", path, r);
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
                                        r == ENGINE_E_EXIST ? "transport exists" : "cannot add transport");
        }
        memcpy(t->config, p.config, 4);
        t->delay = p.has_delay ? p.delay : 0;
        t->volume = p.has_volume ? C_MIN(p.volume, (uint16_t)127) : 127;
        t->has_volume = p.has_volume;
        if (p.state[0])
                (void)state_from_string(p.state, &t->state);
        sbc_config_describe(t->config, desc, sizeof(desc));
        log_info("Bluetooth: SetConfiguration %s: SBC %s.", path, desc);
        r = sd_bus_reply_method_return(m, "");
        bt_transport_publish(t);
        return r < 0 ? r : 1;
}

static int ep_clear(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BtDiscovery *d = userdata;
        BtTransport *t;
        const char *path;
        int r;

        if (!bt_from_bluez(m))
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "not BlueZ");
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments", "malformed");
        r = sd_bus_reply_method_return(m, "");
        t = transport_find(d, path);
        if (t && t->codec == BT_CODEC_SBC) {
                log_info("Bluetooth: ClearConfiguration %s.", path);
                bt_transport_remove(t);
        }
        return r < 0 ? r : 1;
}

static int ep_release(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        if (!bt_from_bluez(m))
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "not BlueZ");
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable endpoint_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("SelectConfiguration", "ay", "ay", ep_select, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SetConfiguration", "oa{sv}", "", ep_set, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ClearConfiguration", "o", "", ep_clear, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Release", "", "", ep_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* ---- adapters ---- */

static int on_register_reply(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        const sd_bus_error *err = sd_bus_message_get_error(m);

        if (err)
                log_warn("Bluetooth: RegisterEndpoint %s failed: %s: %s", (const char *)userdata,
                         err->name, err->message ? err->message : "");
        return 0;
}

static int register_endpoint(BtDiscovery *d, BtAdapter *a, int i) {
        _c_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const char *ep = i == 0 ? A2DP_SOURCE_ENDPOINT : A2DP_SINK_ENDPOINT;
        const char *uuid = i == 0 ? UUID_A2DP_SOURCE : UUID_A2DP_SINK;
        int r;

        r = sd_bus_message_new_method_call(d->bus, &m, BLUEZ_SERVICE, a->path, BLUEZ_MEDIA_IFACE,
                                           "RegisterEndpoint");
        if (r >= 0)
                r = sd_bus_message_append(m, "o", ep);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "UUID", "s", uuid);
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "Codec", "y", (uint8_t)0);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "Capabilities");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', sbc_local_caps, 4);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_call_async(d->bus, &a->slot_reg[i], m, on_register_reply, (void *)ep, 0);
        return r;
}

static void adapter_add(BtDiscovery *d, const char *path) {
        BtAdapter *a;

        c_list_for_each_entry(a, &d->adapters, link)
                if (strcmp(a->path, path) == 0)
                        return;
        a = calloc(1, sizeof(*a));
        if (!a || !(a->path = strdup(path))) {
                free(a);
                return;
        }
        c_list_link_tail(&d->adapters, &a->link);
        log_info("Bluetooth: adapter %s.", path);
        if (register_endpoint(d, a, 0) < 0 ||
            (d->enable_a2dp_sink_role && register_endpoint(d, a, 1) < 0))
                log_warn("Bluetooth: cannot register endpoints on %s.", path);
}

static void adapter_free(BtAdapter *a) {
        c_list_unlink(&a->link);
        sd_bus_slot_unref(a->slot_reg[0]);
        sd_bus_slot_unref(a->slot_reg[1]);
        free(a->path);
        free(a);
}

static void adapter_remove(BtDiscovery *d, const char *path) {
        BtAdapter *a;
        BtDevice *dev;
        size_t n = strlen(path);

        c_list_for_each_entry_safe(dev, t, &d->devices, link)
                if (strncmp(dev->path, path, n) == 0 && dev->path[n] == '/')
                        btdev_free(dev);
        c_list_for_each_entry_safe(a, t2, &d->adapters, link)
                if (strcmp(a->path, path) == 0)
                        adapter_free(a);
}

/* ---- ObjectManager ---- */

typedef struct DeviceProps {
        char address[32];
        char alias[128];
} DeviceProps;

static int device_prop(sd_bus_message *m, const char *key, const char *sig, void *userdata) {
        DeviceProps *p = userdata;
        const char *s;
        int r;

        if (strcmp(sig, "s") != 0 || (strcmp(key, "Address") != 0 && strcmp(key, "Alias") != 0))
                return 0;
        r = sd_bus_message_read(m, "s", &s);
        if (r < 0)
                return r;
        if (strcmp(key, "Address") == 0)
                snprintf(p->address, sizeof(p->address), "%s", s);
        else
                snprintf(p->alias, sizeof(p->alias), "%s", s);
        return 1;
}

/* One object's a{sa{sv}}. */
static int object_interfaces(BtDiscovery *d, sd_bus_message *m, const char *path) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *iface;

                r = sd_bus_message_read(m, "s", &iface);
                if (r < 0)
                        return r;
                if (strcmp(iface, BLUEZ_ADAPTER_IFACE) == 0) {
                        r = sd_bus_message_skip(m, "a{sv}");
                        adapter_add(d, path);
                } else if (strcmp(iface, BLUEZ_DEVICE_IFACE) == 0) {
                        DeviceProps p = { { 0 } };

                        r = parse_props(m, device_prop, &p);
                        if (r >= 0) {
                                BtDevice *dev = device_get(d, path);

                                if (dev && p.address[0] && address_valid(p.address)) {
                                        free(dev->address);
                                        dev->address = strdup(p.address);
                                }
                                if (dev && p.alias[0] && utf8_valid(p.alias)) {
                                        free(dev->alias);
                                        dev->alias = strdup(p.alias);
                                }
                                if (dev && !dev->address)
                                        btdev_free(dev);
                        }
                } else {
                        r = sd_bus_message_skip(m, "a{sv}");
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int on_managed_objects(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtDiscovery *d = userdata;
        const sd_bus_error *err = sd_bus_message_get_error(m);
        int r;

        d->slot_objects = sd_bus_slot_unref(d->slot_objects);
        if (err) {
                if (!d->logged_absent)
                        log_notice("Bluetooth: BlueZ is not available (%s); waiting for it.",
                                   err->name);
                d->logged_absent = true;
                return 0;
        }
        d->bluez_running = true;
        d->logged_absent = false;
        r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
        while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;

                r = sd_bus_message_read(m, "o", &path);
                if (r >= 0)
                        r = object_interfaces(d, m, path);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        break;
                r = 1;
        }
        if (r < 0)
                log_warn("Bluetooth: malformed GetManagedObjects reply: %s", strerror(-r));
        (void)hfp_register(d);
        return 0;
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtDiscovery *d = userdata;
        const char *path;
        int r;

        if (!bt_from_bluez(m))
                return 0;
        r = sd_bus_message_read(m, "o", &path);
        if (r >= 0)
                r = object_interfaces(d, m, path);
        if (r < 0)
                log_warn("Bluetooth: malformed InterfacesAdded: %s", strerror(-r));
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtDiscovery *d = userdata;
        const char *path, *iface;
        int r;

        if (!bt_from_bluez(m))
                return 0;
        r = sd_bus_message_read(m, "o", &path);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        while (r > 0 && (r = sd_bus_message_read(m, "s", &iface)) > 0) {
                if (strcmp(iface, BLUEZ_DEVICE_IFACE) == 0) {
                        BtDevice *dev = bt_device_find(d, path);

                        if (dev) {
                                log_info("Bluetooth: device %s removed.", dev->address);
                                btdev_free(dev);
                        }
                } else if (strcmp(iface, BLUEZ_ADAPTER_IFACE) == 0) {
                        adapter_remove(d, path);
                } else if (strcmp(iface, BLUEZ_TRANSPORT_IFACE) == 0) {
                        BtTransport *t = transport_find(d, path);

                        if (t && t->codec == BT_CODEC_SBC)
                                bt_transport_remove(t);
                }
        }
        if (r < 0)
                log_warn("Bluetooth: malformed InterfacesRemoved: %s", strerror(-r));
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtDiscovery *d = userdata;
        TransportProps p = { 0 };
        const char *iface;
        BtTransport *t;
        bool state_changed = false, volume_changed = false;
        int r;

        if (!bt_from_bluez(m))
                return 0;
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || strcmp(iface, BLUEZ_TRANSPORT_IFACE) != 0)
                return 0;
        t = transport_find(d, sd_bus_message_get_path(m));
        if (!t)
                return 0;
        r = parse_props(m, transport_prop, &p);
        if (r < 0) {
                log_warn("Bluetooth: malformed PropertiesChanged on %s: %s", t->path, strerror(-r));
                return 0;
        }
        if (p.state[0]) {
                BtTransportState s;

                if (state_from_string(p.state, &s) == 0) {
                        state_changed = s != t->state;
                        t->state = s;
                } else {
                        log_warn("Bluetooth: transport %s: unknown state.", t->path);
                }
        }
        if (p.has_volume) {
                uint16_t v = C_MIN(p.volume, (uint16_t)127);

                volume_changed = !t->has_volume || v != t->volume;
                t->volume = v;
                t->has_volume = true;
        }
        if (p.has_delay)
                t->delay = p.delay;
        if (state_changed || volume_changed)
                bt_transport_changed(t, state_changed, volume_changed);
        return 0;
}

static void bluez_vanished(BtDiscovery *d) {
        BtDevice *dev;
        BtAdapter *a;

        if (d->bluez_running)
                log_notice("Bluetooth: BlueZ went away; waiting for it to come back.");
        d->bluez_running = false;
        d->logged_absent = true;
        hfp_conn_free_all(d);
        c_list_for_each_entry_safe(dev, t, &d->devices, link)
                btdev_free(dev);
        c_list_for_each_entry_safe(a, t2, &d->adapters, link)
                adapter_free(a);
        hfp_unregister(d);
}

static int bluez_appeared(BtDiscovery *d) {
        d->slot_objects = sd_bus_slot_unref(d->slot_objects);
        return sd_bus_call_method_async(d->bus, &d->slot_objects, BLUEZ_SERVICE, "/",
                                        "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                        on_managed_objects, d, "");
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtDiscovery *d = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || strcmp(name, BLUEZ_SERVICE) != 0)
                return 0;
        if (old[0] && bluez_owner) {
                bluez_vanished(d);
                free(bluez_owner);
                bluez_owner = NULL;
        }
        if (new[0]) {
                bluez_owner = strdup(new);
                log_info("Bluetooth: BlueZ is on the bus (%s).", new);
                (void)bluez_appeared(d);
        }
        return 0;
}

static int on_get_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        BtDiscovery *d = userdata;
        const char *owner;

        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_read(m, "s", &owner) < 0) {
                if (!d->logged_absent)
                        log_notice("Bluetooth: BlueZ is not running; waiting for it.");
                d->logged_absent = true;
                return 0;
        }
        if (!bluez_owner) {
                bluez_owner = strdup(owner);
                (void)bluez_appeared(d);
        }
        return 0;
}

/* ---- the module ---- */

static void discover_done(Module *m) {
        BtDiscovery *d = m->userdata;
        BtDevice *dev;
        BtAdapter *a;

        if (!d)
                return;
        hfp_conn_free_all(d);
        c_list_for_each_entry_safe(dev, t, &d->devices, link)
                btdev_free(dev);
        c_list_for_each_entry_safe(a, t2, &d->adapters, link)
                adapter_free(a);
        hfp_unregister(d);
        sd_bus_slot_unref(d->slot_noc);
        sd_bus_slot_unref(d->slot_added);
        sd_bus_slot_unref(d->slot_removed);
        sd_bus_slot_unref(d->slot_props);
        sd_bus_slot_unref(d->slot_objects);
        sd_bus_slot_unref(d->slot_vtable_src);
        sd_bus_slot_unref(d->slot_vtable_snk);
        if (d->bus) {
                (void)sd_bus_detach_event(d->bus);
                sd_bus_flush_close_unref(d->bus);
        }
        sd_event_unref(d->event);
        free(d->sco_socket);
        free(bluez_owner);
        bluez_owner = NULL;
        free(d);
        m->userdata = NULL;
        bt_discovery = NULL;
}

static int discover_init(Module *m, ModArgs *ma) {
        const char *headset = modargs_get(ma, "headset", "native");
        const char *sco = modargs_get(ma, "sco_socket", NULL);
        bool msbc = true, a2dp_sink = true, hf = true;
        BtDiscovery *d;
        int r;

        if (modargs_get_bool(ma, "enable_msbc", &msbc) || modargs_get_bool(ma, "enable_a2dp_sink", &a2dp_sink) ||
            modargs_get_bool(ma, "enable_native_hfp_hf", &hf)) {
                log_error("Bluetooth: enable_msbc, enable_a2dp_sink and enable_native_hfp_hf take a boolean.");
                return ENGINE_E_INVALID;
        }
        if (strcmp(headset, "native") != 0 && strcmp(headset, "auto") != 0 &&
            strcmp(headset, "ofono") != 0) {
                log_error("Bluetooth: headset= must be native, ofono or auto.");
                return ENGINE_E_INVALID;
        }
        if (sco && sco[0] != '/') {
                log_error("Bluetooth: sco_socket= must be an absolute path.");
                return ENGINE_E_INVALID;
        }
        if (bt_discovery) {
                log_error("Bluetooth: discovery is already running (module %u).",
                          bt_discovery->module->index);
                return ENGINE_E_EXIST;
        }
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        m->userdata = d;
        bt_discovery = d;
        d->core = m->core;
        d->module = m;
        c_list_init(&d->adapters);
        c_list_init(&d->devices);
        c_list_init(&d->hfp_conns);
        d->enable_a2dp_sink_role = a2dp_sink;
        d->enable_hfp = strcmp(headset, "ofono") != 0;
        d->enable_hsp = d->enable_hfp;
        d->enable_msbc = msbc;
        d->enable_hf = hf;
        if (sco && !(d->sco_socket = strdup(sco)))
                return -ENOMEM;
        r = sd_event_default(&d->event);
        if (r < 0)
                return r;
        r = sd_bus_open_system(&d->bus);
        if (r < 0) {
                /* No system bus at all: nothing to wait for. The module stays loaded and
                 * inert (startup scripts load it unconditionally). */
                log_notice("Bluetooth: no system bus (%s); Bluetooth support is inactive.",
                           strerror(-r));
                d->bus = NULL;
                return 0;
        }
        r = sd_bus_attach_event(d->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_add_object_vtable(d->bus, &d->slot_vtable_src, A2DP_SOURCE_ENDPOINT,
                                             BLUEZ_ENDPOINT_IFACE, endpoint_vtable, d);
        if (r >= 0)
                r = sd_bus_add_object_vtable(d->bus, &d->slot_vtable_snk, A2DP_SINK_ENDPOINT,
                                             BLUEZ_ENDPOINT_IFACE, endpoint_vtable, d);
        if (r >= 0)
                r = sd_bus_match_signal_async(d->bus, &d->slot_noc, "org.freedesktop.DBus",
                                              "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                              "NameOwnerChanged", on_name_owner_changed, NULL, d);
        if (r >= 0)
                r = sd_bus_match_signal_async(d->bus, &d->slot_added, BLUEZ_SERVICE, NULL,
                                              "org.freedesktop.DBus.ObjectManager",
                                              "InterfacesAdded", on_interfaces_added, NULL, d);
        if (r >= 0)
                r = sd_bus_match_signal_async(d->bus, &d->slot_removed, BLUEZ_SERVICE, NULL,
                                              "org.freedesktop.DBus.ObjectManager",
                                              "InterfacesRemoved", on_interfaces_removed, NULL, d);
        if (r >= 0)
                r = sd_bus_match_signal_async(d->bus, &d->slot_props, BLUEZ_SERVICE, NULL,
                                              "org.freedesktop.DBus.Properties",
                                              "PropertiesChanged", on_properties_changed, NULL, d);
        if (r >= 0)
                r = sd_bus_call_method_async(d->bus, NULL, "org.freedesktop.DBus",
                                             "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                             "GetNameOwner", on_get_name_owner, d, "s",
                                             BLUEZ_SERVICE);
        if (r < 0) {
                log_error("Bluetooth: D-Bus setup failed: %s", strerror(-r));
                return r;
        }
        return 0;
}

static int discover_n_used(Module *m) {
        return -1;
}

const ModuleDesc module_bluez5_discover_desc = {
        .name = "module-bluez5-discover",
        .description = "Detect available BlueZ 5 Bluetooth audio devices and load BlueZ 5 "
                       "Bluetooth audio drivers",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "headset=ofono|native|auto autodetect_mtu=<boolean> enable_msbc=<boolean> "
                 "enable_native_hfp_hf=<boolean> sco_socket=<test seam: UNIX socket handing "
                 "out SCO fds>",
        .valid_args = discover_args,
        .load_once = true,
        .init = discover_init,
        .done = discover_done,
        .get_n_used = discover_n_used,
};

const ModuleDesc module_bluetooth_discover_desc = {
        .name = "module-bluetooth-discover",
        .description = "Detect available Bluetooth daemon and load the corresponding discovery "
                       "module",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "headset=ofono|native|auto autodetect_mtu=<boolean> enable_msbc=<boolean>",
        .valid_args = discover_args,
        .load_once = true,
        .init = discover_init,
        .done = discover_done,
        .get_n_used = discover_n_used,
};

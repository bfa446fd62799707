/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hotplug-fifo.c: the PULSECOMPAT_TEST_HOTPLUG_FIFO test hook (see the header).
 *
 * The FIFO is opened O_RDWR|O_NONBLOCK: holding a writer ourselves means
 * writers coming and going never make it report EOF (no busy loop), and the
 * open never blocks. Input is consumed in whole lines; a line longer than
 * the buffer is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "engine/base/log.h"
#include "pulsecompat/hotplug-fifo.h"

#define LINE_MAX_LEN 256U

struct HotplugFifo {
        Core *core;
        int fd;
        void *watch;
        char buf[LINE_MAX_LEN];
        size_t n;
        bool skipping;          /* inside an overlong line */
};

static Module *find_null_sink_module(Core *c, const char *name) {
        Device *d = core_lookup_device(c, DEVICE_SINK, name, false);

        if (!d || !d->module || strcmp(d->module->name, "module-null-sink") != 0)
                return NULL;
        return d->module;
}

static void hotplug_line(HotplugFifo *h, char *line) {
        char *arg = strchr(line, ' ');
        Module *m;
        int r;

        if (!arg) {
                log_warn("hotplug FIFO: bad line '%s'", line);
                return;
        }
        *arg++ = 0;
        if (!core_name_valid(arg)) {
                log_warn("hotplug FIFO: invalid device name");
                return;
        }
        if (strcmp(line, "add") == 0) {
                _c_cleanup_free_ char *args = NULL;

                if (asprintf(&args, "sink_name=%s", arg) < 0)
                        return;
                r = module_load(h->core, "module-null-sink", args, MODULE_ORIGIN_INTERNAL, &m);
                if (r)
                        log_warn("hotplug FIFO: adding %s failed (%d)", arg, r);
                else
                        log_info("hotplug FIFO: added sink %s (module %u)", arg, m->index);
        } else if (strcmp(line, "remove") == 0) {
                m = find_null_sink_module(h->core, arg);
                if (!m) {
                        log_warn("hotplug FIFO: no null sink %s", arg);
                        return;
                }
                log_info("hotplug FIFO: removing sink %s (module %u)", arg, m->index);
                module_unload(m);
        } else {
                log_warn("hotplug FIFO: unknown command '%s'", line);
        }
}

static void hotplug_on_input(void *userdata) {
        HotplugFifo *h = userdata;
        char tmp[512];
        ssize_t l;

        /* Bounded: one read per wakeup, the loop calls us again if more is there. */
        l = read(h->fd, tmp, sizeof(tmp));
        if (l <= 0)
                return;
        for (ssize_t i = 0; i < l; i++) {
                char ch = tmp[i];

                if (ch != '\n') {
                        if (h->n < sizeof(h->buf) - 1)
                                h->buf[h->n++] = ch;
                        else
                                h->skipping = true;
                        continue;
                }
                h->buf[h->n] = 0;
                if (h->skipping)
                        log_warn("hotplug FIFO: line too long, ignored");
                else if (h->n)
                        hotplug_line(h, h->buf);
                h->n = 0;
                h->skipping = false;
        }
}

int hotplug_fifo_new(Core *core, const char *path, HotplugFifo **ret) {
        HotplugFifo *h;
        struct stat st;
        int r;

        if (!core->loop || !core->loop->add_fd)
                return -EOPNOTSUPP;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->core = core;
        h->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (h->fd < 0 || fstat(h->fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
                r = h->fd < 0 ? -errno : -EINVAL;
                log_error("hotplug FIFO %s: %s", path, h->fd < 0 ? strerror(-r) : "not a FIFO");
                hotplug_fifo_free(h);
                return r;
        }
        r = core->loop->add_fd(core, h->fd, hotplug_on_input, h, &h->watch);
        if (r < 0) {
                hotplug_fifo_free(h);
                return r;
        }
        log_notice("Test hook: simulated hotplug commands are read from %s.", path);
        *ret = h;
        return 0;
}

HotplugFifo *hotplug_fifo_free(HotplugFifo *h) {
        if (!h)
                return NULL;
        if (h->watch)
                h->core->loop->remove_fd(h->core, h->watch);
        if (h->fd >= 0)
                close(h->fd);
        free(h);
        return NULL;
}

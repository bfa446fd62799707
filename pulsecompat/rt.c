/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rt.c: nice level, real-time scheduling and RealtimeKit (see rt.h).
 *
 * RealtimeKit only grants real-time scheduling to processes whose
 * RLIMIT_RTTIME is bounded (it wants to be able to kill a runaway thread),
 * so rlimit-rttime is applied before anything asks. Each request opens its
 * own short-lived system-bus connection: it happens once per data thread
 * start (not in steady state), in that thread, with a 1 s timeout.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <systemd/sd-bus.h>
#include "engine/base/log.h"
#include "engine/iothread.h"
#include "pulsecompat/rt.h"

#define RTKIT_NAME "org.freedesktop.RealtimeKit1"
#define RTKIT_PATH "/org/freedesktop/RealtimeKit1"
#define RTKIT_TIMEOUT_USEC 1000000ULL

static void set_limit(int resource, const char *name, int64_t v) {
        struct rlimit rl;

        if (v < 0)
                return;
        if (getrlimit(resource, &rl) == 0 && rl.rlim_cur == (rlim_t)v && rl.rlim_max == (rlim_t)v)
                return;
        rl.rlim_cur = rl.rlim_max = (rlim_t)v;
        if (setrlimit(resource, &rl) < 0) {
                /* Lowering the soft limit alone may still work (RTTIME, always permitted). */
                struct rlimit cur;

                if (getrlimit(resource, &cur) == 0 && (rlim_t)v <= cur.rlim_max) {
                        cur.rlim_cur = (rlim_t)v;
                        if (setrlimit(resource, &cur) == 0)
                                return;
                }
                log_debug("rlimit-%s = %lld not applied: %s", name, (long long)v, strerror(errno));
        }
}

void rt_setup_limits(const RtSettings *s) {
        set_limit(RLIMIT_RTTIME, "rttime", s->rlimit_rttime);
        set_limit(RLIMIT_RTPRIO, "rtprio", s->rlimit_rtprio);
        set_limit(RLIMIT_NICE, "nice", s->rlimit_nice);
}

static int rtkit_call(const char *method, const char *sig, pid_t tid, int64_t value) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        if (sig[2] == 'u')
                r = sd_bus_call_method(bus, RTKIT_NAME, RTKIT_PATH, RTKIT_NAME, method, &err, &reply,
                                       sig, (uint64_t)getpid(), (uint64_t)tid, (uint32_t)value);
        else
                r = sd_bus_call_method(bus, RTKIT_NAME, RTKIT_PATH, RTKIT_NAME, method, &err, &reply,
                                       sig, (uint64_t)getpid(), (uint64_t)tid, (int32_t)value);
        if (r < 0)
                log_debug("RealtimeKit %s: %s", method, err.message ? err.message : strerror(-r));
        sd_bus_error_free(&err);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? r : 0;
}

static int rtkit_max_priority(void) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        int32_t max = 0;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        r = sd_bus_get_property_trivial(bus, RTKIT_NAME, RTKIT_PATH, RTKIT_NAME,
                                        "MaxRealtimePriority", &err, 'i', &max);
        sd_bus_error_free(&err);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? r : (int)max;
}

int rt_rtkit_make_realtime(pid_t tid, int priority) {
        int max = rtkit_max_priority();

        if (max < 0)
                return max;
        if (max > 0 && priority > max)
                priority = max;
        return rtkit_call("MakeThreadRealtimeWithPID", "ttu", tid, priority);
}

int rt_rtkit_make_high_priority(pid_t tid, int nice_level) {
        return rtkit_call("MakeThreadHighPriorityWithPID", "tti", tid, nice_level);
}

void rt_setup(const RtSettings *s) {
        if (s->high_priority && s->nice_level < 0) {
                if (setpriority(PRIO_PROCESS, 0, s->nice_level) == 0)
                        log_info("Nice level %d.", s->nice_level);
                else if (rt_rtkit_make_high_priority(gettid(), s->nice_level) == 0)
                        log_info("Nice level %d through RealtimeKit.", s->nice_level);
                else
                        log_info("High priority not permitted; staying at nice level %d.",
                                 getpriority(PRIO_PROCESS, 0));
        }
        if (s->realtime && s->realtime_priority > 0)
                iothread_set_realtime(s->realtime_priority, rt_rtkit_make_realtime);
        else
                iothread_set_realtime(0, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rt.h: scheduling priority of the daemon (high-priority, realtime-scheduling).
 *
 * Best effort throughout: nothing here ever fails the start-up. The nice level
 * comes from setpriority() or RealtimeKit; the data threads ask the kernel for
 * SCHED_FIFO and fall back to RealtimeKit (org.freedesktop.RealtimeKit1 on the
 * system bus), then to SCHED_OTHER.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct RtSettings {
        bool high_priority;
        int nice_level;                 /* -20..19 */
        bool realtime;
        int realtime_priority;          /* 1..99 */
        int64_t rlimit_rttime;          /* usec, < 0 = leave alone */
        int64_t rlimit_rtprio;          /* < 0 = leave alone */
        int64_t rlimit_nice;            /* < 0 = leave alone */
} RtSettings;

/* Raises the RT-related resource limits (best effort; as root before the privilege drop). */
void rt_setup_limits(const RtSettings *s);
/* Applies the nice level and installs the data threads' real-time policy. */
void rt_setup(const RtSettings *s);
/* RealtimeKit: make thread tid of this process real-time (SCHED_RR) at priority.
 * Return 0 or -errno. */
int rt_rtkit_make_realtime(pid_t tid, int priority);
int rt_rtkit_make_high_priority(pid_t tid, int nice_level);

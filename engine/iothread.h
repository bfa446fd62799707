/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iothread.h: the real-time data thread of a device.
 *
 * Each device that moves audio (null/pipe/ALSA/Bluetooth sink or source)
 * has one data thread running a small poll() loop over: a timerfd (the
 * device clock when the backend has no fd of its own), an eventfd for
 * requests from the control thread, and optional backend fds.
 *
 * Control → data: iothread_invoke() runs a function inside the data
 * thread and waits for it (microseconds: the data thread polls the request
 * eventfd). Every structural change (add/remove/move a stream, cork,
 * flush, volume, a latency snapshot) goes this way, so the data thread's
 * state is only ever touched by the data thread and needs no locks.
 * Data → control: the data thread sets per-stream atomic flags and writes
 * the device's notify eventfd (at most once per cycle); the control thread
 * watches that fd and handles the flags. The data thread never waits for
 * the control thread.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

typedef struct IoThread IoThread;
typedef void (*IoInvokeFn)(IoThread *t, void *arg);

typedef struct IoThreadOps {
        /* Called on each timer tick in the data thread; returns the usec until the next
         * tick wanted (0 = stop the timer until iothread_rearm()). */
        uint64_t (*tick)(IoThread *t, uint64_t now_usec);
        /* Called in the data thread when a backend fd is ready. */
        void (*fd_ready)(IoThread *t, int fd, short revents);
} IoThreadOps;

struct IoThread {
        pthread_t thread;
        bool running;
        int wake_fd;            /* eventfd: control → data requests */
        int notify_fd;          /* eventfd: data → control notifications */
        int timer_fd;
        const IoThreadOps *ops;
        void *userdata;
        /* single pending invoke (the control thread is single-threaded) */
        IoInvokeFn invoke_fn;
        void *invoke_arg;
        atomic_bool invoke_pending;
        sem_t invoke_done;
        atomic_bool quit;
        atomic_bool notify_pending;
        uint64_t next_tick;     /* CLOCK_MONOTONIC usec, 0 = disarmed */
        int extra_fd;           /* one backend fd, -1 if none */
        short extra_events;
        char name[16];
};

/* Real-time policy for every data thread started from now on (process-wide, set once by
 * the daemon before any device exists). priority > 0: each data thread asks for
 * SCHED_FIFO|SCHED_RESET_ON_FORK at that priority; when the kernel refuses (no
 * CAP_SYS_NICE, RLIMIT_RTPRIO too low) it calls fallback(tid, priority) if set (rtkit),
 * and otherwise stays SCHED_OTHER quietly. fallback returns 0 or -errno; it is called
 * in the new data thread, before the thread serves anything. */
typedef int (*IoThreadRtFallback)(pid_t tid, int priority);
void iothread_set_realtime(int priority, IoThreadRtFallback fallback);
/* How the data threads got their scheduling (for logs and tests):
 * 0 none asked, 1 SCHED_FIFO directly, 2 through the fallback, -1 refused. */
int iothread_realtime_result(void);

int iothread_start(IoThread *t, const char *name, const IoThreadOps *ops, void *userdata);
void iothread_stop(IoThread *t);
/* Runs fn(t, arg) in the data thread and waits. Runs it inline when the thread is not running. */
void iothread_invoke(IoThread *t, IoInvokeFn fn, void *arg);
/* In the data thread: schedule the next tick at an absolute CLOCK_MONOTONIC usec (0 = stop). */
void iothread_set_next_tick(IoThread *t, uint64_t at_usec);
/* From the control thread: make the data thread tick now (e.g. a stream was added). */
void iothread_rearm(IoThread *t);
/* In the data thread: wake the control thread (coalesced). */
void iothread_notify(IoThread *t);
/* In the control thread, after notify_fd became readable: clears it. */
void iothread_notify_ack(IoThread *t);
uint64_t iothread_now_usec(void);

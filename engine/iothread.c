/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iothread.c: see iothread.h.
 *
 * The loop: poll(wake_fd, timer_fd, extra fd). A tick runs the backend's
 * render/capture step; its return value (or iothread_set_next_tick())
 * arms the timerfd with an absolute deadline, so timing does not drift
 * with processing time. Steady state does no allocation and no locking;
 * the only syscalls are poll, the timerfd read/arm, and the notify write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include "engine/iothread.h"
#include "engine/base/log.h"

uint64_t iothread_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static void iothread_arm(IoThread *t) {
        struct itimerspec its = { 0 };

        if (t->next_tick) {
                its.it_value.tv_sec = (time_t)(t->next_tick / 1000000ULL);
                its.it_value.tv_nsec = (long)(t->next_tick % 1000000ULL) * 1000L;
        }
        (void)timerfd_settime(t->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void iothread_set_next_tick(IoThread *t, uint64_t at_usec) {
        t->next_tick = at_usec;
        iothread_arm(t);
}

static void iothread_run_invoke(IoThread *t) {
        if (atomic_load_explicit(&t->invoke_pending, memory_order_acquire)) {
                t->invoke_fn(t, t->invoke_arg);
                atomic_store_explicit(&t->invoke_pending, false, memory_order_release);
                sem_post(&t->invoke_done);
        }
}

static _Atomic int rt_priority;
static _Atomic(IoThreadRtFallback) rt_fallback;
static _Atomic int rt_result;
static atomic_bool rt_fallback_failed;  /* don't ask rtkit again for every new device */

void iothread_set_realtime(int priority, IoThreadRtFallback fallback) {
        atomic_store(&rt_priority, priority > 0 ? priority : 0);
        atomic_store(&rt_fallback, fallback);
        atomic_store(&rt_fallback_failed, false);
}

int iothread_realtime_result(void) {
        return atomic_load(&rt_result);
}

static void iothread_make_realtime(IoThread *t) {
        int prio = atomic_load(&rt_priority);
        IoThreadRtFallback fb = atomic_load(&rt_fallback);
        struct sched_param sp = { .sched_priority = prio };
        int r, result;

        if (prio <= 0)
                return;
        r = pthread_setschedparam(pthread_self(), SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
        if (r == 0) {
                result = 1;
        } else if (fb && !atomic_load(&rt_fallback_failed) && fb((pid_t)gettid(), prio) == 0) {
                result = 2;
        } else {
                if (fb)
                        atomic_store(&rt_fallback_failed, true);
                result = -1;
        }
        /* Once per thread start, before the thread serves audio: logging is fine here. */
        if (atomic_exchange(&rt_result, result) != result) {
                if (result == 1)
                        log_info("%s: SCHED_FIFO priority %d", t->name, prio);
                else if (result == 2)
                        log_info("%s: real-time priority %d through RealtimeKit", t->name, prio);
                else
                        log_info("%s: real-time scheduling not permitted (%s); staying SCHED_OTHER",
                                 t->name, strerror(r));
        }
}

static void *iothread_main(void *userdata) {
        IoThread *t = userdata;

        iothread_make_realtime(t);
        while (!atomic_load(&t->quit)) {
                struct pollfd p[3] = {
                        { .fd = t->wake_fd, .events = POLLIN },
                        { .fd = t->timer_fd, .events = POLLIN },
                        { .fd = t->extra_fd, .events = t->extra_events },
                };
                nfds_t n = t->extra_fd >= 0 ? 3 : 2;
                uint64_t v;
                int r = poll(p, n, -1);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[0].revents & POLLIN) {
                        (void)read(t->wake_fd, &v, sizeof(v));
                        iothread_run_invoke(t);
                }
                if (p[1].revents & POLLIN) {
                        (void)read(t->timer_fd, &v, sizeof(v));
                        if (t->ops->tick && t->next_tick) {
                                uint64_t now = iothread_now_usec(), next;

                                next = t->ops->tick(t, now);
                                if (next) {
                                        /* Absolute schedule: catch up instead of drifting,
                                         * but never schedule into the past more than once. */
                                        uint64_t at = t->next_tick + next;

                                        if (at + next < now)
                                                at = now + next;
                                        iothread_set_next_tick(t, at);
                                } else {
                                        iothread_set_next_tick(t, 0);
                                }
                        }
                }
                if (n == 3 && p[2].revents && t->ops->fd_ready)
                        t->ops->fd_ready(t, t->extra_fd, p[2].revents);
        }
        /* Answer an invoke that raced with quit. */
        iothread_run_invoke(t);
        return NULL;
}

int iothread_start(IoThread *t, const char *name, const IoThreadOps *ops, void *userdata) {
        int r;

        t->ops = ops;
        t->userdata = userdata;
        t->extra_fd = -1;
        snprintf(t->name, sizeof(t->name), "%s", name);
        t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        t->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        t->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (t->wake_fd < 0 || t->notify_fd < 0 || t->timer_fd < 0) {
                r = -errno;
                iothread_stop(t);
                return r;
        }
        sem_init(&t->invoke_done, 0, 0);
        r = pthread_create(&t->thread, NULL, iothread_main, t);
        if (r) {
                sem_destroy(&t->invoke_done);
                iothread_stop(t);
                return -r;
        }
        pthread_setname_np(t->thread, t->name);
        t->running = true;
        return 0;
}

void iothread_stop(IoThread *t) {
        if (t->running) {
                uint64_t one = 1;

                atomic_store(&t->quit, true);
                (void)write(t->wake_fd, &one, sizeof(one));
                pthread_join(t->thread, NULL);
                sem_destroy(&t->invoke_done);
                t->running = false;
        }
        if (t->wake_fd > 0)
                close(t->wake_fd);
        if (t->notify_fd > 0)
                close(t->notify_fd);
        if (t->timer_fd > 0)
                close(t->timer_fd);
        t->wake_fd = t->notify_fd = t->timer_fd = -1;
}

void iothread_invoke(IoThread *t, IoInvokeFn fn, void *arg) {
        uint64_t one = 1;

        if (!t->running) {
                fn(t, arg);
                return;
        }
        t->invoke_fn = fn;
        t->invoke_arg = arg;
        atomic_store_explicit(&t->invoke_pending, true, memory_order_release);
        (void)write(t->wake_fd, &one, sizeof(one));
        while (sem_wait(&t->invoke_done) < 0 && errno == EINTR)
                ;
}

static void rearm_fn(IoThread *t, void *arg) {
        if (!t->next_tick)
                iothread_set_next_tick(t, iothread_now_usec());
}

void iothread_rearm(IoThread *t) {
        iothread_invoke(t, rearm_fn, NULL);
}

void iothread_notify(IoThread *t) {
        uint64_t one = 1;

        if (!atomic_exchange_explicit(&t->notify_pending, true, memory_order_acq_rel))
                (void)write(t->notify_fd, &one, sizeof(one));
}

void iothread_notify_ack(IoThread *t) {
        uint64_t v;

        atomic_store_explicit(&t->notify_pending, false, memory_order_release);
        (void)read(t->notify_fd, &v, sizeof(v));
}

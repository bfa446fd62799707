/* pulsecompat compat-tests: small helpers for libpulse async-API tests.
 *
 * The daemon is started by harness/run-with-daemon.sh, which exports
 * PULSE_SERVER; libpulse picks it up by itself.  Every wait is bounded.
 */
#ifndef PCOMPAT_ASYNC_H
#define PCOMPAT_ASYNC_H

#include <stdbool.h>
#include <string.h>
#include <pulse/pulseaudio.h>

typedef struct pc {
    pa_mainloop *ml;
    pa_mainloop_api *api;
    pa_context *ctx;
    const char *test_name;
    int failures;
} pc;

/* Create the main loop and connect; exits 1 (with a message) on failure. */
void pc_connect(pc *p, const char *test_name, const char *client_name);
void pc_disconnect(pc *p);

/* Run the main loop until cond(userdata) is true or secs elapse.
 * Returns true if the condition became true. */
bool pc_iterate_until(pc *p, bool (*cond)(void *), void *userdata, double secs);

/* Run the main loop for a fixed time (to see that nothing (else) arrives). */
void pc_iterate_for(pc *p, double secs);

/* Wait for an operation to finish (bounded); unrefs it.  Returns true if it
 * finished, false on timeout (and records a failure). */
bool pc_wait_op(pc *p, pa_operation *o, double secs, const char *what);

/* Success callback for pa_context_* calls taking a pa_context_success_cb_t:
 * userdata must point to a pc_result. */
typedef struct pc_result {
    bool done;
    int success;
    int error; /* pa_context_errno() when success == 0 */
} pc_result;
void pc_success_cb(pa_context *c, int success, void *userdata);

/* Assertions: record a failure and print expected vs got. */
void pc_fail(pc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define PC_CHECK(p, cond, ...)                                       \
    do {                                                             \
        if (!(cond)) pc_fail((p), __VA_ARGS__);                      \
    } while (0)
#define PC_EXPECT_U(p, what, expected, got)                          \
    do {                                                             \
        unsigned long long e_ = (unsigned long long)(expected);      \
        unsigned long long g_ = (unsigned long long)(got);           \
        if (e_ != g_)                                                \
            pc_fail((p), "%s: expected %llu, got %llu", (what), e_, g_); \
    } while (0)
#define PC_EXPECT_S(p, what, expected, got)                          \
    do {                                                             \
        const char *e_ = (expected), *g_ = (got);                    \
        if (!e_ || !g_ || strcmp(e_, g_) != 0)                       \
            pc_fail((p), "%s: expected \"%s\", got \"%s\"", (what),  \
                    e_ ? e_ : "(null)", g_ ? g_ : "(null)");         \
    } while (0)

/* Print PASS/FAIL and return the process exit status (0 or 1). */
int pc_finish(pc *p);

#endif

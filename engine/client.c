/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* client.c: client objects (one per connection, created at accept time). */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/core.h"

int client_new(Core *c, Module *owner, const char *driver, Proplist *props, Client **ret) {
        Client *cl = calloc(1, sizeof(*cl));
        int r;

        if (!cl)
                return -ENOMEM;
        cl->core = c;
        cl->module = owner;
        cl->driver = driver ? strdup(driver) : NULL;
        cl->props = props ? proplist_copy(props) : proplist_new();
        if ((driver && !cl->driver) || !cl->props) {
                r = -ENOMEM;
                goto fail;
        }
        r = idxmap_put(&c->clients, cl, &cl->index);
        if (r < 0)
                goto fail;
        core_post_event(c, FACILITY_CLIENT, EVENT_NEW, cl->index);
        *ret = cl;
        return 0;
fail:
        proplist_free(cl->props);
        free(cl->driver);
        free(cl);
        return r;
}

void client_free(Client *cl) {
        Core *c;
        SinkInput *si;
        SourceOutput *so;

        if (!cl)
                return;
        c = cl->core;
        /* Streams of this client that its connection did not remove (module-owned ones). */
        idxmap_for_each(si, &c->sink_inputs, st1)
                if (si->client == cl)
                        si->client = NULL;
        idxmap_for_each(so, &c->source_outputs, st2)
                if (so->client == cl)
                        so->client = NULL;
        if (idxmap_remove(&c->clients, cl->index))
                core_post_event(c, FACILITY_CLIENT, EVENT_REMOVE, cl->index);
        proplist_free(cl->props);
        free(cl->driver);
        free(cl);
}

int client_update_proplist(Client *cl, ProplistUpdateMode mode, const Proplist *p) {
        Proplist *copy;
        int r;

        if (mode >= _PROPLIST_UPDATE_N)
                return ENGINE_E_INVALID;
        /* Work on a copy so a failure leaves the client unchanged. */
        copy = proplist_copy(cl->props);
        if (!copy)
                return -ENOMEM;
        r = proplist_update(copy, mode, p);
        if (r < 0) {
                proplist_free(copy);
                return r == -EINVAL ? ENGINE_E_INVALID : r == -E2BIG ? ENGINE_E_TOOLARGE : r;
        }
        proplist_free(cl->props);
        cl->props = copy;
        core_post_event(cl->core, FACILITY_CLIENT, EVENT_CHANGE, cl->index);
        return 0;
}

int client_remove_props(Client *cl, const char *const *keys, size_t n) {
        bool changed = false;

        for (size_t i = 0; i < n; i++)
                if (proplist_unset(cl->props, keys[i]) == 0)
                        changed = true;
        if (changed)
                core_post_event(cl->core, FACILITY_CLIENT, EVENT_CHANGE, cl->index);
        return 0;
}

const char *client_name(const Client *cl) {
        return proplist_gets(cl->props, "application.name");
}

void client_kill(Client *cl) {
        if (cl->kill)
                cl->kill(cl, cl->kill_userdata);
        else
                client_free(cl);
}

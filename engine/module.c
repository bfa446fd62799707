/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* module.c: the module registry and module instances.
 *
 * Modules are compiled in: each backend registers a ModuleDesc with
 * core_register_module_desc() at start-up. Loading has two kinds of
 * callers with different permissions: the daemon itself (startup script,
 * hotplug, module-always-sink: MODULE_ORIGIN_SCRIPT / _INTERNAL) and
 * clients (LOAD_MODULE: MODULE_ORIGIN_CLIENT). Only the client path is
 * subject to --disallow-module-loading, so device hotplug keeps working on
 * a locked-down system daemon.
 *
 * A module is published (index allocated, MODULE NEW posted) only after
 * its init succeeded; the devices it creates meanwhile already point to it.
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/core.h"
#include "engine/base/log.h"

int core_register_module_desc(Core *c, const ModuleDesc *desc) {
        const ModuleDesc **n;

        if (core_find_module_desc(c, desc->name))
                return ENGINE_E_EXIST;
        n = realloc(c->module_descs, (c->n_module_descs + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        c->module_descs = n;
        c->module_descs[c->n_module_descs++] = desc;
        return 0;
}

const ModuleDesc *core_find_module_desc(Core *c, const char *name) {
        for (size_t i = 0; i < c->n_module_descs; i++)
                if (strcmp(c->module_descs[i]->name, name) == 0)
                        return c->module_descs[i];
        return NULL;
}

static Module *module_release(Module *m) {
        if (m) {
                proplist_free(m->props);
                free(m->name);
                free(m->argument);
                free(m);
        }
        return NULL;
}

int module_load(Core *c, const char *name, const char *args, ModuleOrigin origin, Module **ret) {
        const ModuleDesc *desc;
        ModArgs *ma = NULL;
        Module *m, *o;
        int r;

        if (origin == MODULE_ORIGIN_CLIENT && c->disallow_module_loading)
                return ENGINE_E_ACCESS;
        if (!name || !*name || strchr(name, '/') || !utf8_valid(name))
                return ENGINE_E_INVALID;
        desc = core_find_module_desc(c, name);
        if (!desc) {
                log_info("Module \"%s\" is not available.", name);
                return ENGINE_E_NOENTITY;
        }
        if (desc->load_once) {
                idxmap_for_each(o, &c->modules, st)
                        if (o->desc == desc) {
                                log_warn("Module \"%s\" should be loaded once at most. Refusing to load.",
                                         name);
                                return ENGINE_E_EXIST;
                        }
        }
        if (args && *args == 0)
                args = NULL;
        r = modargs_parse(args, desc->valid_args, &ma);
        if (r) {
                log_error("Failed to parse module arguments of %s: %s", name, args ? args : "");
                /* PulseAudio allocates the index before the module parses its arguments:
                 * clients see the gap, so we leave it too. */
                c->modules.next_index++;
                return r < 0 ? r : ENGINE_E_INVALID;
        }

        m = calloc(1, sizeof(*m));
        if (!m) {
                modargs_free(ma);
                return -ENOMEM;
        }
        m->core = c;
        m->desc = desc;
        m->origin = origin;
        m->index = IDX_INVALID;
        m->name = strdup(name);
        m->argument = args ? strdup(args) : NULL;
        m->props = proplist_new();
        r = idxmap_reserve(&c->modules, 1);
        if (!m->name || (args && !m->argument) || !m->props || r < 0) {
                modargs_free(ma);
                module_release(m);
                return -ENOMEM;
        }
        if (desc->author)
                (void)proplist_sets(m->props, "module.author", desc->author);
        if (desc->description)
                (void)proplist_sets(m->props, "module.description", desc->description);
        if (desc->version)
                (void)proplist_sets(m->props, "module.version", desc->version);
        /* The index is assigned before init so devices can name their owner;
         * on failure it is simply never published (indices are not reused). */
        (void)idxmap_put(&c->modules, m, &m->index);
        r = desc->init(m, ma);
        modargs_free(ma);
        if (r) {
                log_error("Failed to load module \"%s\" (argument: \"%s\"): initialization failed.",
                          name, args ? args : "");
                idxmap_remove(&c->modules, m->index);
                if (desc->done)
                        desc->done(m);
                module_release(m);
                return r < 0 && r != -ENOMEM ? ENGINE_E_MODINIT : r > 0 ? ENGINE_E_MODINIT : r;
        }
        m->initialised = true;
        core_post_event(c, FACILITY_MODULE, EVENT_NEW, m->index);
        log_info("Loaded \"%s\" (index: #%u; argument: \"%s\").", name, m->index, args ? args : "");
        if (ret)
                *ret = m;
        return 0;
}

void module_unload(Module *m) {
        Core *c = m->core;

        if (!idxmap_remove(&c->modules, m->index))
                return;
        log_info("Unloading \"%s\" (index: #%u).", m->name, m->index);
        if (m->desc->done)
                m->desc->done(m);
        core_post_event(c, FACILITY_MODULE, EVENT_REMOVE, m->index);
        module_release(m);
}

static void module_unload_deferred(Core *c, void *userdata) {
        uint32_t index = (uint32_t)(uintptr_t)userdata;
        Module *m = idxmap_get(&c->modules, index);

        if (m && m->unload_pending)
                module_unload(m);
}

int module_unload_request(Module *m, ModuleOrigin origin) {
        int r;

        if (origin == MODULE_ORIGIN_CLIENT && m->core->disallow_module_loading)
                return ENGINE_E_ACCESS;
        if (m->unload_pending)
                return 0;
        m->unload_pending = true;
        r = core_defer(m->core, module_unload_deferred, (void *)(uintptr_t)m->index);
        if (r < 0) {
                m->unload_pending = false;
                return r;
        }
        return 0;
}

int module_get_n_used(Module *m) {
        return m->desc->get_n_used ? m->desc->get_n_used(m) : -1;
}

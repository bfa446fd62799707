/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dispatch.c: the command table and the packet entry point.
 *
 * The table is indexed by command number (0..104). Each entry says whether
 * the command is allowed before authentication and which handler runs it.
 * Commands a client must never send (server-to-client notifications, the
 * obsolete autoload commands, numbers >= 105) drop the connection, as
 * PulseAudio does; REPLY/ERROR from a client answer nothing we asked and are
 * ignored. Known commands without a handler yet answer NOTIMPLEMENTED.
 *
 * Handlers parse their whole request (tagstruct_end() included) before they
 * touch the engine, so a malformed request never has side effects.
 */
#include <stdlib.h>
#include <string.h>
#include "protocol/protocol.h"
#include "engine/base/log.h"

enum {
        CMD_F_PREAUTH = 1 << 0,         /* allowed before AUTH succeeded */
        CMD_F_DROP = 1 << 1,            /* never valid from a client: drop */
        CMD_F_IGNORE = 1 << 2,          /* replies: ignored */
};

typedef struct CommandEntry {
        const char *name;
        CommandHandler handler;         /* NULL: NOTIMPLEMENTED */
        unsigned flags;
} CommandEntry;

#define C(num, h, f) [PROTO_CMD_##num] = { #num, h, f }

static const CommandEntry commands[_PROTO_CMD_N] = {
        C(ERROR, NULL, CMD_F_IGNORE | CMD_F_PREAUTH),
        C(TIMEOUT, NULL, CMD_F_DROP),
        C(REPLY, NULL, CMD_F_IGNORE | CMD_F_PREAUTH),
        C(CREATE_PLAYBACK_STREAM, cmd_create_playback_stream, 0),
        C(DELETE_PLAYBACK_STREAM, cmd_delete_stream, 0),
        C(CREATE_RECORD_STREAM, cmd_create_record_stream, 0),
        C(DELETE_RECORD_STREAM, cmd_delete_stream, 0),
        C(EXIT, cmd_exit, 0),
        C(AUTH, cmd_auth, CMD_F_PREAUTH),
        C(SET_CLIENT_NAME, cmd_set_client_name, CMD_F_PREAUTH),
        C(LOOKUP_SINK, cmd_lookup, 0),
        C(LOOKUP_SOURCE, cmd_lookup, 0),
        C(DRAIN_PLAYBACK_STREAM, cmd_stream_channel_op, 0),
        C(STAT, cmd_stat, 0),
        C(GET_PLAYBACK_LATENCY, cmd_get_latency, 0),
        C(CREATE_UPLOAD_STREAM, cmd_create_upload_stream, 0),
        C(DELETE_UPLOAD_STREAM, cmd_delete_stream, 0),
        C(FINISH_UPLOAD_STREAM, cmd_finish_upload_stream, 0),
        C(PLAY_SAMPLE, cmd_play_sample, 0),
        C(REMOVE_SAMPLE, cmd_remove_sample, 0),
        C(GET_SERVER_INFO, cmd_get_server_info, 0),
        C(GET_SINK_INFO, cmd_get_device_info, 0),
        C(GET_SINK_INFO_LIST, cmd_get_device_info_list, 0),
        C(GET_SOURCE_INFO, cmd_get_device_info, 0),
        C(GET_SOURCE_INFO_LIST, cmd_get_device_info_list, 0),
        C(GET_MODULE_INFO, cmd_get_module_info, 0),
        C(GET_MODULE_INFO_LIST, cmd_get_module_info, 0),
        C(GET_CLIENT_INFO, cmd_get_client_info, 0),
        C(GET_CLIENT_INFO_LIST, cmd_get_client_info, 0),
        C(GET_SINK_INPUT_INFO, cmd_get_sink_input_info, 0),
        C(GET_SINK_INPUT_INFO_LIST, cmd_get_sink_input_info, 0),
        C(GET_SOURCE_OUTPUT_INFO, cmd_get_source_output_info, 0),
        C(GET_SOURCE_OUTPUT_INFO_LIST, cmd_get_source_output_info, 0),
        C(GET_SAMPLE_INFO, cmd_get_sample_info, 0),
        C(GET_SAMPLE_INFO_LIST, cmd_get_sample_info, 0),
        C(SUBSCRIBE, cmd_subscribe, 0),
        C(SET_SINK_VOLUME, cmd_set_device_volume, 0),
        C(SET_SINK_INPUT_VOLUME, cmd_stream_index_op, 0),
        C(SET_SOURCE_VOLUME, cmd_set_device_volume, 0),
        C(SET_SINK_MUTE, cmd_set_device_mute, 0),
        C(SET_SOURCE_MUTE, cmd_set_device_mute, 0),
        C(CORK_PLAYBACK_STREAM, cmd_stream_channel_op, 0),
        C(FLUSH_PLAYBACK_STREAM, cmd_stream_channel_op, 0),
        C(TRIGGER_PLAYBACK_STREAM, cmd_stream_channel_op, 0),
        C(SET_DEFAULT_SINK, cmd_set_default, 0),
        C(SET_DEFAULT_SOURCE, cmd_set_default, 0),
        C(SET_PLAYBACK_STREAM_NAME, cmd_set_stream_name, 0),
        C(SET_RECORD_STREAM_NAME, cmd_set_stream_name, 0),
        C(KILL_CLIENT, cmd_kill_client, 0),
        C(KILL_SINK_INPUT, cmd_stream_index_op, 0),
        C(KILL_SOURCE_OUTPUT, cmd_stream_index_op, 0),
        C(LOAD_MODULE, cmd_load_module, 0),
        C(UNLOAD_MODULE, cmd_unload_module, 0),
        C(ADD_AUTOLOAD_OBSOLETE, NULL, CMD_F_DROP),
        C(REMOVE_AUTOLOAD_OBSOLETE, NULL, CMD_F_DROP),
        C(GET_AUTOLOAD_INFO_OBSOLETE, NULL, CMD_F_DROP),
        C(GET_AUTOLOAD_INFO_LIST_OBSOLETE, NULL, CMD_F_DROP),
        C(GET_RECORD_LATENCY, cmd_get_latency, 0),
        C(CORK_RECORD_STREAM, cmd_stream_channel_op, 0),
        C(FLUSH_RECORD_STREAM, cmd_stream_channel_op, 0),
        C(PREBUF_PLAYBACK_STREAM, cmd_stream_channel_op, 0),
        C(REQUEST, NULL, CMD_F_DROP),
        C(OVERFLOW, NULL, CMD_F_DROP),
        C(UNDERFLOW, NULL, CMD_F_DROP),
        C(PLAYBACK_STREAM_KILLED, NULL, CMD_F_DROP),
        C(RECORD_STREAM_KILLED, NULL, CMD_F_DROP),
        C(SUBSCRIBE_EVENT, NULL, CMD_F_DROP),
        C(MOVE_SINK_INPUT, cmd_stream_index_op, 0),
        C(MOVE_SOURCE_OUTPUT, cmd_stream_index_op, 0),
        C(SET_SINK_INPUT_MUTE, cmd_stream_index_op, 0),
        C(SUSPEND_SINK, cmd_suspend_device, 0),
        C(SUSPEND_SOURCE, cmd_suspend_device, 0),
        C(SET_PLAYBACK_STREAM_BUFFER_ATTR, cmd_set_buffer_attr, 0),
        C(SET_RECORD_STREAM_BUFFER_ATTR, cmd_set_buffer_attr, 0),
        C(UPDATE_PLAYBACK_STREAM_SAMPLE_RATE, cmd_update_sample_rate, 0),
        C(UPDATE_RECORD_STREAM_SAMPLE_RATE, cmd_update_sample_rate, 0),
        C(PLAYBACK_STREAM_SUSPENDED, NULL, CMD_F_DROP),
        C(RECORD_STREAM_SUSPENDED, NULL, CMD_F_DROP),
        C(PLAYBACK_STREAM_MOVED, NULL, CMD_F_DROP),
        C(RECORD_STREAM_MOVED, NULL, CMD_F_DROP),
        C(UPDATE_RECORD_STREAM_PROPLIST, cmd_stream_proplist, 0),
        C(UPDATE_PLAYBACK_STREAM_PROPLIST, cmd_stream_proplist, 0),
        C(UPDATE_CLIENT_PROPLIST, cmd_update_client_proplist, 0),
        C(REMOVE_RECORD_STREAM_PROPLIST, cmd_stream_proplist, 0),
        C(REMOVE_PLAYBACK_STREAM_PROPLIST, cmd_stream_proplist, 0),
        C(REMOVE_CLIENT_PROPLIST, cmd_remove_client_proplist, 0),
        C(STARTED, NULL, CMD_F_DROP),
        C(EXTENSION, cmd_extension, 0),
        C(GET_CARD_INFO, cmd_get_card_info, 0),
        C(GET_CARD_INFO_LIST, cmd_get_card_info, 0),
        C(SET_CARD_PROFILE, cmd_set_card_profile, 0),
        C(CLIENT_EVENT, NULL, CMD_F_DROP),
        C(PLAYBACK_STREAM_EVENT, NULL, CMD_F_DROP),
        C(RECORD_STREAM_EVENT, NULL, CMD_F_DROP),
        C(PLAYBACK_BUFFER_ATTR_CHANGED, NULL, CMD_F_DROP),
        C(RECORD_BUFFER_ATTR_CHANGED, NULL, CMD_F_DROP),
        C(SET_SINK_PORT, cmd_set_device_port, 0),
        C(SET_SOURCE_PORT, cmd_set_device_port, 0),
        C(SET_SOURCE_OUTPUT_VOLUME, cmd_stream_index_op, 0),
        C(SET_SOURCE_OUTPUT_MUTE, cmd_stream_index_op, 0),
        C(SET_PORT_LATENCY_OFFSET, cmd_set_port_latency_offset, 0),
        /* conn-shm.c: the ack of our offer, and the client's memfd pool. We never send
         * DISABLE_SRBCHANNEL (neither does PulseAudio), so it can only be a violation. */
        C(ENABLE_SRBCHANNEL, cmd_enable_srbchannel, 0),
        C(DISABLE_SRBCHANNEL, NULL, CMD_F_DROP),
        C(REGISTER_MEMFD_SHMID, cmd_register_memfd_shmid, 0),
        C(SEND_OBJECT_MESSAGE, cmd_send_object_message, 0),
};

#undef C

const char *proto_command_name(unsigned cmd) {
        return cmd < _PROTO_CMD_N && commands[cmd].name ? commands[cmd].name : "UNKNOWN";
}

uint32_t engine_to_proto_error(int r) {
        switch (r) {
        case 0:
                return 0;
        case ENGINE_E_INVALID:
                return PROTO_ERR_INVALID;
        case ENGINE_E_NOENTITY:
                return PROTO_ERR_NOENTITY;
        case ENGINE_E_EXIST:
                return PROTO_ERR_EXIST;
        case ENGINE_E_ACCESS:
                return PROTO_ERR_ACCESS;
        case ENGINE_E_MODINIT:
                return PROTO_ERR_MODINITFAILED;
        case ENGINE_E_NOTSUPPORTED:
                return PROTO_ERR_NOTSUPPORTED;
        case ENGINE_E_NOTIMPLEMENTED:
                return PROTO_ERR_NOTIMPLEMENTED;
        case ENGINE_E_BADSTATE:
                return PROTO_ERR_BADSTATE;
        case ENGINE_E_TOOLARGE:
                return PROTO_ERR_TOOLARGE;
        case ENGINE_E_BUSY:
                return PROTO_ERR_BUSY;
        default:
                return PROTO_ERR_INTERNAL;
        }
}

int dispatch_packet(Conn *c, const uint8_t *data, size_t size) {
        Tagstruct ts = TAGSTRUCT_READER(data, size);
        const CommandEntry *e;
        uint32_t command, tag;
        int r;

        tagstruct_get_u32(&ts, &command);
        tagstruct_get_u32(&ts, &tag);
        if (tagstruct_error(&ts))
                return DISPATCH_DROP;
        if (command >= _PROTO_CMD_N)
                return DISPATCH_DROP;
        e = &commands[command];
        log_debug("Client %u: %s (tag %u)", c->client ? c->client->index : IDX_INVALID,
                  e->name, tag);
        if (e->flags & CMD_F_DROP)
                return DISPATCH_DROP;
        if (e->flags & CMD_F_IGNORE)
                return 0;
        if (!(e->flags & CMD_F_PREAUTH) && !c->authorized) {
                conn_reply_error(c, tag, PROTO_ERR_ACCESS);
                return 0;
        }
        if (!e->handler) {
                conn_reply_error(c, tag, PROTO_ERR_NOTIMPLEMENTED);
                return 0;
        }
        r = e->handler(c, command, tag, &ts);
        if (r > 0) {
                conn_reply_error(c, tag, (uint32_t)r);
                return 0;
        }
        return r;
}

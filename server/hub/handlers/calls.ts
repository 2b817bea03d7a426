import * as calls from '../../domains/calls';
import type { CallSocket } from '../../domains/calls';
import { sendFrame, type Socket } from '../connection';
import type { Handler } from '../dispatch';

type Family = {
  call_start: Handler<'call_start'>;
  call_join: Handler<'call_join'>;
  call_publish: Handler<'call_publish'>;
  call_subscribe: Handler<'call_subscribe'>;
  call_answer: Handler<'call_answer'>;
  call_ice: Handler<'call_ice'>;
  call_restart: Handler<'call_restart'>;
  call_quality: Handler<'call_quality'>;
  call_update: Handler<'call_update'>;
  call_leave: Handler<'call_leave'>;
  call_admit: Handler<'call_admit'>;
};

/** The socket as the calls domain sees it: its id, and a way to push to it. */
const callSocket = (ws: Socket): CallSocket => ({ id: ws.getUserData().id, send: (frame) => sendFrame(ws, frame) });

/** Calls' realtime requests: thin adapters into the calls domain, which checks who may do what. */
export const callHandlers: Family = {
  call_start: async ({ svc }, ws, msg) => ({ call: (await calls.startCall(svc, ws.getUserData().actor, msg.chatId)).call }),
  call_join: async ({ svc }, ws, msg) => calls.joinCall(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_publish: async ({ svc }, ws, msg) => calls.publish(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_subscribe: async ({ svc }, ws, msg) => calls.subscribe(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_answer: async ({ svc }, ws, msg) => calls.answer(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_ice: async ({ svc }, ws, msg) => calls.ice(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_restart: async ({ svc }, ws, msg) => calls.restart(svc, ws.getUserData().actor, callSocket(ws), msg.callId),
  call_quality: async ({ svc }, ws, msg) => calls.quality(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_update: async ({ svc }, ws, msg) => calls.update(svc, ws.getUserData().actor, callSocket(ws), msg),
  call_leave: async ({ svc }, ws, msg) => {
    await calls.leaveCall(svc, ws.getUserData().actor, callSocket(ws), msg.callId);
    return {};
  },
  call_admit: async ({ svc }, ws, msg) => calls.admit(svc, ws.getUserData().actor, msg),
};

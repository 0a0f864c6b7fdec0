/**
 * Preload (sandboxed): exposes exactly the contract's invoke as window.desk.
 * The renderer never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { DeskBridge } from '../../shared/ipc/contract.js';
import { INVOKE_CHANNEL } from '../../shared/ipc/channel.js';

const desk: DeskBridge = {
  invoke: (channel, request) => ipcRenderer.invoke(INVOKE_CHANNEL, channel, request),
};

contextBridge.exposeInMainWorld('desk', desk);

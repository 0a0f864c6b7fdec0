/** The single Electron IPC channel the preload may use; the contract's call name travels as its first argument. */
export const INVOKE_CHANNEL = 'desk:invoke';

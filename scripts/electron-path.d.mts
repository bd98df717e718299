/** Path of the installed Electron binary, or null (never downloads). */
export function findElectronBinary(): string | null;

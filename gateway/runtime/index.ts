/** The running gateway: device registry, Gateway (devices + API + Node-RED), foreground runner. */
export { DeviceRegistry, DuplicateDeviceError, type RegistryEvent } from './registry.ts';
export { Gateway, type GatewayOptions } from './gateway.ts';
export { runGateway, withOverrides, parsePort, reportStartFailure, type RunOptions, type PortOverrides } from './run.ts';
export { ListenError } from './listen-error.ts';
export { createInput, type DeviceContext } from './devices.ts';
export { onFirstGoodSample } from './first-sample.ts';
export { stopOnSignals } from './signals.ts';

/** OPC UA acquisition: the endpoint input, its subscription groups, the probe and the client PKI. */
export { OpcUaEndpoint, backoffDelay, type OpcUaEndpointOptions } from './endpoint.ts';
export { GroupState, type OpcUaGroup, type OperationLimits } from './monitored.ts';
// probeOpcUa: import it from ./probe.ts (the probe command does, lazily); it loads node-opcua at import.
export type { ProbeOptions } from './probe.ts';
export { CLIENT_APPLICATION_NAME, clientCertificateManager, createOpcUaClient, pinOnFirstUse, type ServerTrust } from './trust.ts';
export { describeError } from './errors.ts';
export { OpcUaDevice, OpcUaTag } from './config.ts';

/** Counters kept by the receiver; the metrics module reads them. */
export interface ReceiverStats {
  connectionsAccepted: number;
  connectionsRejected: number;
  connectionsClosedByServer: number;
  /** Connections that closed without sending a byte (TCP health checks), on either port. */
  probes: number;
  tlsFailures: number;
  handshakeFailures: number;
  protocolErrors: number;
  bytesReceived: number;
  messages: number;
  entries: number;
  signalsSkipped: number;
  acks: number;
  ackTimeouts: number;
}

export function newReceiverStats(): ReceiverStats {
  return {
    connectionsAccepted: 0,
    connectionsRejected: 0,
    connectionsClosedByServer: 0,
    probes: 0,
    tlsFailures: 0,
    handshakeFailures: 0,
    protocolErrors: 0,
    bytesReceived: 0,
    messages: 0,
    entries: 0,
    signalsSkipped: 0,
    acks: 0,
    ackTimeouts: 0,
  };
}

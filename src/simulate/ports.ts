/**
 * The Fluent Bit port of each ZPA log type, as in fluent-bit/fluent-bit.conf and its README table (a test keeps the
 * three equal). The simulator sends each log type to its own port, as one LSS Log Receiver per log type would.
 */
export const LSS_PORTS: Readonly<Record<string, number>> = {
  'user-activity': 20001,
  'user-status': 20002,
  'app-connector-status': 20003,
  'app-connector-metrics': 20004,
  'audit-log': 20005,
  'browser-access': 20006,
  'private-service-edge-status': 20007,
  'private-service-edge-metrics': 20008,
  'app-protection': 20009,
  'private-cloud-controller-status': 20010,
  'private-cloud-controller-metrics': 20011,
  'microsegmentation-flow': 20012,
  'smb-inspection': 20013,
  'ldap-inspection': 20014,
  'krb-inspection': 20015,
  'user-status-oneid': 20016,
};

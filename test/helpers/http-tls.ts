/** Test certificates (a CA, a server, a client) and their PEM files for the TLS tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A throwaway test PKI (P-256, valid for 100 years): a CA, a server certificate for 127.0.0.1 and a client certificate.
// Generated once with openssl; nothing secret protects anything real.

export const CA_CERT = `-----BEGIN CERTIFICATE-----
MIIBjjCCATWgAwIBAgIUPHIFCnIPBlAJUYi+P1M9gaVCyk0wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRenBhLXJlbGF5IHRlc3QgQ0EwIBcNMjYxMTIzMDY1MjE3WhgP
MjEyNjEwMzAwNjUyMTdaMBwxGjAYBgNVBAMMEXpwYS1yZWxheSB0ZXN0IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXVKP23M7Hs99AH1BuNqk12yUnPlAKhz6
Yu0WRpxXdYdjAurWSbwRdcd3WkkdZXmPzwoPKo6cSReAV1Bk/dIN2aNTMFEwHQYD
VR0OBBYEFCZdjzk1FvSJ460k9Y5OQg+ovwkRMB8GA1UdIwQYMBaAFCZdjzk1FvSJ
460k9Y5OQg+ovwkRMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIg
aCMjHRndCL02N+Q2R/oiS99wHkH4Rna6DRhVqcpil7sCIBjHn+W7MlMgEGuBH9EX
T+sjviW9aZkzDlpLLAxdGB+S
-----END CERTIFICATE-----
`;

export const SERVER_CERT = `-----BEGIN CERTIFICATE-----
MIIBpzCCAU2gAwIBAgIUDIZ4u2vynbBb6W//R869UM1CunMwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRenBhLXJlbGF5IHRlc3QgQ0EwIBcNMjYxMTIzMDY1MjE3WhgP
MjEyNjEwMzAwNjUyMTdaMBQxEjAQBgNVBAMMCTEyNy4wLjAuMTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABOQsQtH7eIFbUUvx1hS6JMdqyivCt1nBbHYjh51vNf/e
h45u3aVd+JwVHB6kKTJEISkZX0C4NScFHqKVksB6iHejczBxMBoGA1UdEQQTMBGH
BH8AAAGCCWxvY2FsaG9zdDATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQU
Lisz45RM5AtSjl5PSGsOu8BIwmgwHwYDVR0jBBgwFoAUJl2POTUW9InjrST1jk5C
D6i/CREwCgYIKoZIzj0EAwIDSAAwRQIhAKF+uLywzSWlNqrjbZtRDnhFqfNBBShy
/kVVI0ESlNAiAiAyT6q5raX/G4/pYSPdbQUbMZ0hHT97S/ivRwWWmzuQRA==
-----END CERTIFICATE-----
`;

export const SERVER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgX4cN4vxqylwtg527
gpqvd43LjdaleELQYbtUQ6TjBJihRANCAATkLELR+3iBW1FL8dYUuiTHasorwrdZ
wWx2I4edbzX/3oeObt2lXficFRwepCkyRCEpGV9AuDUnBR6ilZLAeoh3
-----END PRIVATE KEY-----
`;

export const CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUDIZ4u2vynbBb6W//R869UM1CunQwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRenBhLXJlbGF5IHRlc3QgQ0EwIBcNMjYxMTIzMDY1MjE3WhgP
MjEyNjEwMzAwNjUyMTdaMBQxEjAQBgNVBAMMCXpwYS1yZWxheTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABNKhqk3MAQXoU3E58eLtwGD5U1YeQ5J7pao30LCfzm4V
1SV4ibEoG9q7B6L2GULFhWtn6gxTJJ7aguDNtyQwOlWjVzBVMBMGA1UdJQQMMAoG
CCsGAQUFBwMCMB0GA1UdDgQWBBTIzK2PxRsVbE7tmYBt8R1eLXHeMTAfBgNVHSME
GDAWgBQmXY85NRb0ieOtJPWOTkIPqL8JETAKBggqhkjOPQQDAgNHADBEAiAr4wxh
7VL5h6hpuQ6Raiwb8Z9kDo1syYb0iin0Mg2s0AIgKIgXPE+2zSy+2bo448HLGmcy
0Tu7xOwvss0HsDtUJiE=
-----END CERTIFICATE-----
`;

export const CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeRWgkP/gnoUbu/1L
07HFcA0tDkAaBr9xffkTmMECjMihRANCAATSoapNzAEF6FNxOfHi7cBg+VNWHkOS
e6WqN9Cwn85uFdUleImxKBvauwei9hlCxYVrZ+oMUySe2oLgzbckMDpV
-----END PRIVATE KEY-----
`;

/** The PEM files written to a temp directory, since sink config takes file paths. */
export function writePki(): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-pki-'));
  const write = (name: string, pem: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, pem);
    return file;
  };
  return {
    ca: write('ca.crt', CA_CERT),
    serverCert: write('server.crt', SERVER_CERT),
    serverKey: write('server.key', SERVER_KEY),
    clientCert: write('client.crt', CLIENT_CERT),
    clientKey: write('client.key', CLIENT_KEY),
  };
}

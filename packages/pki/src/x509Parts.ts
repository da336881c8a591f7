import forge from 'node-forge';

/**
 * The exact DER of a certificate's subject or issuer Name, taken from the TBSCertificate as
 * parsed (RFC 5280 4.1: version [0] is optional, then serial, signature, issuer, validity,
 * subject). A CRL must name its issuer with the CA's subject, and comparing these bytes is
 * how a CRL is matched to a certificate.
 */
export function certificateNameDer(cert: forge.pki.Certificate, which: 'issuer' | 'subject'): string {
  // forge keeps the parsed TBSCertificate; a certificate built in memory gets one made for it.
  const getTbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;
  const tbs = (cert as unknown as { tbsCertificate?: forge.asn1.Asn1 }).tbsCertificate ?? getTbs(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  const offset = fields[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const node = fields[offset + (which === 'issuer' ? 2 : 4)];
  return forge.asn1.toDer(node).getBytes();
}

/** A Name's attributes as "CN=x, O=y" for messages. */
export function nameToText(nameDer: string): string {
  try {
    const name = forge.asn1.fromDer(nameDer);
    const parts: string[] = [];
    for (const rdn of name.value as forge.asn1.Asn1[]) {
      for (const atv of rdn.value as forge.asn1.Asn1[]) {
        const [type, value] = atv.value as forge.asn1.Asn1[];
        const typeOid = forge.asn1.derToOid(forge.util.createBuffer(type.value as string));
        const short = (forge.pki.oids[typeOid] as string | undefined) ?? typeOid;
        const label = short === 'commonName' ? 'CN' : short === 'organizationName' ? 'O' : short;
        parts.push(`${label}=${forge.util.decodeUtf8(value.value as string)}`);
      }
    }
    return parts.join(', ');
  } catch {
    return '(unreadable name)';
  }
}

// Apache Santuario (xml-security-java) harness for benches/compare/compare.py.
//
// Written for this workspace from the Santuario API (org.apache.xml.security.signature.XMLSignature);
// run against Debian's libxml-security-java (/usr/share/java/xmlsec.jar, 2.1.7). See README.md beside
// this file.
//
// One verification op, as compare.py's xmlsec column does it: base64-decode the POST value, parse it
// with a namespace-aware DocumentBuilder that refuses DTDs and external entities, register the `ID`
// attributes of the Response and of every Assertion, then verify every ds:Signature with
// XMLSignature (secure validation on) against a public key pinned from a PEM certificate loaded once
// (KeyInfo is ignored). A signature that does not verify is a rejection; anything else that goes
// wrong is an error.
//
// One signing op, as compare_sign.py's xmlsec column does it: parse the unsigned template, build an
// enveloped ds:Signature of the Assertion (exclusive c14n, SHA-256, RSA-SHA256 or ECDSA-SHA256 by the
// key's type, the certificate in KeyInfo) after the Assertion's Issuer, sign, serialize the document.
// The key and certificate are loaded once.
//
// Modes:
//   serve                          line protocol on stdin/stdout, used by compare.py (below)
//   verify CERT.pem FILE.b64       verify once: "verified N" (exit 0), "rejected …" (1), "error …" (2)
//   bench CERT.pem FILE.b64 [MIN_SECONDS [WARMUP_SECONDS]]
//                                  warm up, then loop for at least MIN_SECONDS; prints the bench line
//   sign KEY.pk8.pem CERT.pem TEMPLATE.xml OUT.xml
//                                  sign once, write the signed document to OUT.xml
//   signbench KEY.pk8.pem CERT.pem TEMPLATE.xml [MIN_SECONDS [WARMUP_SECONDS]]
//
// serve protocol, one request per line, fields separated by TAB, one reply line per request:
//   verify<TAB>CERT.pem<TAB>BASE64            -> "verified N" | "rejected MESSAGE" | "error MESSAGE"
//   bench<TAB>CERT.pem<TAB>MIN<TAB>WARMUP<TAB>BASE64
//                                             -> "bench us_per_op=F ops=N seconds=F" | "rejected …" | "error …"
//   sign<TAB>KEY.pk8.pem<TAB>CERT.pem<TAB>TEMPLATE.xml<TAB>OUT.xml   -> "signed BYTES" | "error …"
//   signbench<TAB>KEY.pk8.pem<TAB>CERT.pem<TAB>TEMPLATE.xml<TAB>MIN<TAB>WARMUP -> bench line | "error …"
// On start it prints "ready java=VERSION". Certificates are loaded once per path and cached.
//
// Run as a single-file source program:
//   java -cp /usr/share/java/xmlsec.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar \
//        benches/compare/Santuario.java bench tests/vectors/bench/idp.pem tests/vectors/bench/small.xml.b64

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.apache.xml.security.Init;
import org.apache.xml.security.algorithms.MessageDigestAlgorithm;
import org.apache.xml.security.c14n.Canonicalizer;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.transforms.Transforms;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXParseException;

public final class Santuario {
    static final String DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";
    static final String SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
    static final String SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion";

    /** A signature that does not verify under the pinned key (as opposed to input that cannot be processed). */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }
    }

    /** Fatal and non-fatal parse errors both stop the parse; nothing is printed on stderr. */
    static final class Strict implements ErrorHandler {
        @Override
        public void warning(SAXParseException e) {}

        @Override
        public void error(SAXParseException e) throws SAXParseException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXParseException {
            throw e;
        }
    }

    private final DocumentBuilder builder;
    private final Transformer serializer;
    private final Map<String, X509Certificate> certs = new HashMap<>();
    private final Map<String, PrivateKey> privateKeys = new HashMap<>();

    Santuario() throws ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setValidating(false);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        builder = f.newDocumentBuilder();
        builder.setErrorHandler(new Strict());
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            serializer = tf.newTransformer();
        } catch (javax.xml.transform.TransformerConfigurationException e) {
            throw new ParserConfigurationException(e.toString());
        }
    }

    /** The X.509 certificate in PEM at `path`, loaded on first use. */
    X509Certificate cert(String path) throws Exception {
        X509Certificate c = certs.get(path);
        if (c == null) {
            try (InputStream in = Files.newInputStream(Path.of(path))) {
                c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            certs.put(path, c);
        }
        return c;
    }

    /** The public key of the X.509 certificate in PEM at `path`, loaded on first use. */
    PublicKey key(String path) throws Exception {
        return cert(path).getPublicKey();
    }

    /** The PKCS#8 private key (RSA or EC) in PEM at `path`, loaded on first use. */
    PrivateKey privateKey(String path) throws Exception {
        PrivateKey k = privateKeys.get(path);
        if (k == null) {
            String pem = Files.readString(Path.of(path), StandardCharsets.US_ASCII);
            int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
            int end = pem.indexOf("-----END PRIVATE KEY-----");
            if (begin < 0 || end < begin) {
                throw new IllegalArgumentException(path + ": no PKCS#8 PEM block (BEGIN PRIVATE KEY)");
            }
            byte[] der = Base64.getMimeDecoder()
                    .decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
            Exception last = null;
            for (String alg : new String[] {"RSA", "EC"}) {
                try {
                    k = KeyFactory.getInstance(alg).generatePrivate(spec);
                    break;
                } catch (java.security.spec.InvalidKeySpecException e) {
                    last = e;
                }
            }
            if (k == null) {
                throw new IllegalArgumentException(path + ": neither an RSA nor an EC PKCS#8 key", last);
            }
            privateKeys.put(path, k);
        }
        return k;
    }

    private static Element firstChild(Element parent, String ns, String local) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && ns.equals(n.getNamespaceURI()) && local.equals(n.getLocalName())) {
                return (Element) n;
            }
        }
        throw new IllegalArgumentException(parent.getLocalName() + " has no " + local + " child");
    }

    /**
     * One signing op: parse the template, sign its Assertion (enveloped, exclusive c14n, SHA-256,
     * RSA-SHA256 or ECDSA-SHA256, certificate in KeyInfo, Signature after the Issuer), serialize.
     */
    byte[] sign(byte[] template, PrivateKey key, X509Certificate cert) throws Exception {
        Document doc = builder.parse(new ByteArrayInputStream(template));
        Element assertion = firstChild(doc.getDocumentElement(), SAML_NS, "Assertion");
        String id = assertion.getAttributeNS(null, "ID");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("the Assertion has no ID");
        }
        assertion.setIdAttributeNS(null, "ID", true);
        Element issuer = firstChild(assertion, SAML_NS, "Issuer");
        String method = key.getAlgorithm().equals("EC") ? XMLSignature.ALGO_ID_SIGNATURE_ECDSA_SHA256
                : XMLSignature.ALGO_ID_SIGNATURE_RSA_SHA256;
        XMLSignature sig = new XMLSignature(doc, null, method, Canonicalizer.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
        assertion.insertBefore(sig.getElement(), issuer.getNextSibling());
        Transforms transforms = new Transforms(doc);
        transforms.addTransform(Transforms.TRANSFORM_ENVELOPED_SIGNATURE);
        transforms.addTransform(Transforms.TRANSFORM_C14N_EXCL_OMIT_COMMENTS);
        sig.addDocument("#" + id, transforms, MessageDigestAlgorithm.ALGO_ID_DIGEST_SHA256);
        sig.addKeyInfo(cert);
        sig.sign(key);
        ByteArrayOutputStream out = new ByteArrayOutputStream(template.length + 4096);
        serializer.transform(new DOMSource(doc), new StreamResult(out));
        return out.toByteArray();
    }

    /**
     * As `bench`, for signing: warm up, System.gc(), loop for at least `minTime` seconds. The output
     * is not checked here: compare_sign.py verifies what `sign` (the same method) produces before it
     * times anything. (Its length is no check either: the JDK's serializer drops the namespace
     * redeclarations already in scope, so a signed document can be shorter than its template.)
     */
    String signBench(byte[] template, PrivateKey key, X509Certificate cert, double minTime, double warmup)
            throws Exception {
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        do {
            sign(template, key, cert);
        } while (System.nanoTime() < warmEnd);
        System.gc();
        long ops = 0;
        long start = System.nanoTime();
        long stop = start + (long) (minTime * 1e9);
        long now;
        do {
            sign(template, key, cert);
            ops++;
            now = System.nanoTime();
        } while (now < stop);
        return benchLine(now - start, ops);
    }

    private static String benchLine(long nanos, long ops) {
        double seconds = nanos / 1e9;
        return String.format(java.util.Locale.ROOT, "bench us_per_op=%.3f ops=%d seconds=%.3f",
                seconds * 1e6 / ops, ops, seconds);
    }

    private static void registerId(Element e) {
        if (e.hasAttributeNS(null, "ID")) {
            e.setIdAttributeNS(null, "ID", true);
        }
    }

    /** One op: decode, parse, register IDs, verify every ds:Signature. Returns how many verified. */
    int verify(byte[] b64, PublicKey key) throws Exception {
        byte[] xml = Base64.getDecoder().decode(b64);
        Document doc = builder.parse(new ByteArrayInputStream(xml));
        Element root = doc.getDocumentElement();
        if (!SAMLP_NS.equals(root.getNamespaceURI()) || !"Response".equals(root.getLocalName())) {
            throw new IllegalArgumentException("document element is not a samlp:Response");
        }
        registerId(root);
        NodeList assertions = doc.getElementsByTagNameNS(SAML_NS, "Assertion");
        for (int i = 0; i < assertions.getLength(); i++) {
            registerId((Element) assertions.item(i));
        }
        NodeList found = doc.getElementsByTagNameNS(DSIG_NS, "Signature");
        List<Element> signatures = new ArrayList<>(found.getLength());
        for (int i = 0; i < found.getLength(); i++) {
            signatures.add((Element) found.item(i));
        }
        if (signatures.isEmpty()) {
            throw new IllegalArgumentException("no ds:Signature");
        }
        for (int i = 0; i < signatures.size(); i++) {
            XMLSignature sig = new XMLSignature(signatures.get(i), null, true);
            if (!sig.checkSignatureValue(key)) {
                String uri = sig.getSignedInfo().getLength() > 0 ? sig.getSignedInfo().item(0).getURI() : "?";
                throw new Rejected("signature " + (i + 1) + " of " + signatures.size()
                        + " (Reference URI=\"" + uri + "\") does not verify under the pinned key");
            }
        }
        return signatures.size();
    }

    /**
     * Verifies in a loop for `warmup` seconds (JIT), collects garbage, then loops for at least
     * `minTime` seconds; every op must verify as many signatures as the first. Returns the bench line.
     */
    String bench(byte[] b64, PublicKey key, double minTime, double warmup) throws Exception {
        int expected = verify(b64, key);
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        while (System.nanoTime() < warmEnd) {
            check(verify(b64, key), expected);
        }
        System.gc();
        long ops = 0;
        long start = System.nanoTime();
        long stop = start + (long) (minTime * 1e9);
        long now;
        do {
            check(verify(b64, key), expected);
            ops++;
            now = System.nanoTime();
        } while (now < stop);
        return benchLine(now - start, ops);
    }

    private static void check(int got, int expected) {
        if (got != expected) {
            throw new IllegalStateException("verified " + got + " signatures, expected " + expected);
        }
    }

    /** One reply line for a failed request: a rejection or an error, never more than one line. */
    private static String failure(Exception e) {
        String msg = e instanceof Rejected ? "rejected " + e.getMessage()
                : "error " + e.getClass().getName() + ": " + e.getMessage();
        return msg.replace('\n', ' ').replace('\r', ' ');
    }

    private void serve() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("ready java=" + System.getProperty("java.runtime.version")
                + " vm=" + System.getProperty("java.vm.name").replace(' ', '_'));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", -1);
            String reply;
            try {
                if (f[0].equals("verify") && f.length == 3) {
                    reply = "verified " + verify(f[2].getBytes(StandardCharsets.US_ASCII), key(f[1]));
                } else if (f[0].equals("bench") && f.length == 5) {
                    reply = bench(f[4].getBytes(StandardCharsets.US_ASCII), key(f[1]),
                            Double.parseDouble(f[2]), Double.parseDouble(f[3]));
                } else if (f[0].equals("sign") && f.length == 5) {
                    byte[] signed = sign(Files.readAllBytes(Path.of(f[3])), privateKey(f[1]), cert(f[2]));
                    Files.write(Path.of(f[4]), signed);
                    reply = "signed " + signed.length;
                } else if (f[0].equals("signbench") && f.length == 6) {
                    reply = signBench(Files.readAllBytes(Path.of(f[3])), privateKey(f[1]), cert(f[2]),
                            Double.parseDouble(f[4]), Double.parseDouble(f[5]));
                } else if (f[0].equals("quit")) {
                    return;
                } else {
                    reply = "error unknown request " + f[0] + " with " + (f.length - 1) + " fields";
                }
            } catch (Exception e) {
                reply = failure(e);
            }
            out.println(reply);
        }
    }

    private static void usage() {
        System.err.println("usage: Santuario serve | verify CERT.pem FILE.b64 | bench CERT.pem FILE.b64 [MIN_S [WARMUP_S]]\n"
                + "       | sign KEY.pk8.pem CERT.pem TEMPLATE.xml OUT.xml"
                + " | signbench KEY.pk8.pem CERT.pem TEMPLATE.xml [MIN_S [WARMUP_S]]");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        Init.init();
        Santuario s = new Santuario();
        String mode = args.length > 0 ? args[0] : "";
        boolean ok = switch (mode) {
            case "serve" -> args.length == 1;
            case "verify" -> args.length == 3;
            case "bench" -> args.length >= 3 && args.length <= 5;
            case "sign" -> args.length == 5;
            case "signbench" -> args.length >= 4 && args.length <= 6;
            default -> false;
        };
        if (!ok) {
            usage();
        }
        if (mode.equals("serve")) {
            s.serve();
            return;
        }
        try {
            switch (mode) {
                case "verify", "bench" -> {
                    byte[] b64 = Files.readString(Path.of(args[2]), StandardCharsets.US_ASCII).strip()
                            .getBytes(StandardCharsets.US_ASCII);
                    PublicKey key = s.key(args[1]);
                    if (mode.equals("verify")) {
                        System.out.println("verified " + s.verify(b64, key));
                    } else {
                        double min = args.length > 3 ? Double.parseDouble(args[3]) : 1.0;
                        double warmup = args.length > 4 ? Double.parseDouble(args[4]) : 5.0;
                        System.out.println(s.bench(b64, key, min, warmup));
                    }
                }
                default -> {
                    byte[] template = Files.readAllBytes(Path.of(args[3]));
                    PrivateKey key = s.privateKey(args[1]);
                    X509Certificate cert = s.cert(args[2]);
                    if (mode.equals("sign")) {
                        Files.write(Path.of(args[4]), s.sign(template, key, cert));
                    } else {
                        double min = args.length > 4 ? Double.parseDouble(args[4]) : 1.0;
                        double warmup = args.length > 5 ? Double.parseDouble(args[5]) : 5.0;
                        System.out.println(s.signBench(template, key, cert, min, warmup));
                    }
                }
            }
        } catch (Exception e) {
            System.out.println(failure(e));
            System.exit(e instanceof Rejected ? 1 : 2);
        }
    }
}

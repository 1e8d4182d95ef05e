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
// Modes:
//   serve                          line protocol on stdin/stdout, used by compare.py (below)
//   verify CERT.pem FILE.b64       verify once: "verified N" (exit 0), "rejected …" (1), "error …" (2)
//   bench CERT.pem FILE.b64 [MIN_SECONDS [WARMUP_SECONDS]]
//                                  warm up, then loop for at least MIN_SECONDS; prints the bench line
//
// serve protocol, one request per line, fields separated by TAB, one reply line per request:
//   verify<TAB>CERT.pem<TAB>BASE64            -> "verified N" | "rejected MESSAGE" | "error MESSAGE"
//   bench<TAB>CERT.pem<TAB>MIN<TAB>WARMUP<TAB>BASE64
//                                             -> "bench us_per_op=F ops=N seconds=F" | "rejected …" | "error …"
// On start it prints "ready java=VERSION". Certificates are loaded once per path and cached.
//
// Run as a single-file source program:
//   java -cp /usr/share/java/xmlsec.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar \
//        benches/compare/Santuario.java bench tests/vectors/bench/idp.pem tests/vectors/bench/small.xml.b64

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
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
import org.apache.xml.security.Init;
import org.apache.xml.security.signature.XMLSignature;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
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
    private final Map<String, PublicKey> keys = new HashMap<>();

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
    }

    /** The public key of the X.509 certificate in PEM at `path`, loaded on first use. */
    PublicKey key(String path) throws Exception {
        PublicKey k = keys.get(path);
        if (k == null) {
            try (InputStream in = Files.newInputStream(Path.of(path))) {
                X509Certificate cert =
                        (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                k = cert.getPublicKey();
            }
            keys.put(path, k);
        }
        return k;
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
        double seconds = (now - start) / 1e9;
        return String.format(java.util.Locale.ROOT, "bench us_per_op=%.3f ops=%d seconds=%.3f",
                seconds * 1e6 / ops, ops, seconds);
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
        System.err.println("usage: Santuario serve | verify CERT.pem FILE.b64 | bench CERT.pem FILE.b64 [MIN_S [WARMUP_S]]");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        Init.init();
        Santuario s = new Santuario();
        if (args.length == 1 && args[0].equals("serve")) {
            s.serve();
            return;
        }
        if (args.length < 3) {
            usage();
        }
        byte[] b64 = Files.readString(Path.of(args[2]), StandardCharsets.US_ASCII).strip()
                .getBytes(StandardCharsets.US_ASCII);
        try {
            PublicKey key = s.key(args[1]);
            if (args[0].equals("verify") && args.length == 3) {
                System.out.println("verified " + s.verify(b64, key));
            } else if (args[0].equals("bench") && args.length <= 5) {
                double min = args.length > 3 ? Double.parseDouble(args[3]) : 1.0;
                double warmup = args.length > 4 ? Double.parseDouble(args[4]) : 5.0;
                System.out.println(s.bench(b64, key, min, warmup));
            } else {
                usage();
            }
        } catch (Exception e) {
            System.out.println(failure(e));
            System.exit(e instanceof Rejected ? 1 : 2);
        }
    }
}

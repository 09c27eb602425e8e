package org.persite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.persite.api.v1.PredictResponse;
import org.persite.api.v1.SitePrediction;

/**
 * The Python client package (clients/python) against a real server: its unittest suite, run by a python3 that has
 * grpcio, protobuf and numpy (Debian's python3-grpcio, python3-protobuf, python3-numpy; pymatgen and ASE parts
 * where python3-pymatgen and python3-ase are there too). The values it must see are what this JVM gets for the same
 * structure through persite's gRPC API. Skipped, saying why, where no such python3 exists.
 */
class PythonClientTest {
    @TempDir
    Path tmp;

    @Test
    void thePythonClientsTestsPassAgainstARealServer() throws Exception {
        String python = python();
        Assumptions.assumeTrue(python != null, "skipped: no python3 with grpcio, protobuf and numpy here (Debian: apt-get install "
                + "python3-grpcio python3-protobuf python3-numpy)");
        try (TestServer ts = TestServer.start(Map.of())) {
            PredictResponse ref = ts.client.predict(TestServer.text("ref", "nacl.cif", Files.readString(Path.of("data/examples/NaCl-cod-1000041.cif"))))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            Map<String, Object> expected = new LinkedHashMap<>();
            List<SitePrediction> sites = ref.getStructures(0).getSitesList();
            expected.put("nacl", sites.stream().map(s -> s.getValues(0)).toList());
            expected.put("nacl_elements", sites.stream().map(SitePrediction::getElement).toList());
            Path expectedFile = tmp.resolve("expected.json");
            new ObjectMapper().writeValue(expectedFile.toFile(), expected);
            ProcessBuilder pb = new ProcessBuilder(python, "-m", "unittest", "discover", "-s", "clients/python/tests", "-v").redirectErrorStream(true);
            pb.environment().put("PERSITE_TEST_SERVER", "127.0.0.1:" + ts.port());
            pb.environment().put("PERSITE_TEST_EXPECTED", expectedFile.toString());
            pb.environment().put("PYTHONPATH", Path.of("clients/python/src").toAbsolutePath().toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
            System.out.println(out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("OK"), out);
        }
    }

    /**
     * The descriptor the package bundles is the project's persite.proto as this build compiled it, byte for byte (the
     * package cannot reach outside its folder). To refresh it: {@code java -cp target/classes:PROTOBUF_JAR ... } as
     * clients/python/README.md says, or copy what this test prints.
     */
    @Test
    void theBundledDescriptorIsTheProjectsOwnProto() throws Exception {
        byte[] built = org.persite.api.v1.PersiteProto.getDescriptor().toProto().toByteArray();
        byte[] bundled = Files.readAllBytes(Path.of("clients/python/src/persite_client/persite.desc"));
        if (!java.util.Arrays.equals(built, bundled)) {
            Files.write(tmp.resolve("persite.desc"), built);
        }
        assertTrue(java.util.Arrays.equals(built, bundled), "clients/python/src/persite_client/persite.desc is not the compiled proto/persite/v1/"
                + "persite.proto: copy " + tmp.resolve("persite.desc") + " there");
    }

    static String python() throws Exception {
        return OipGrpcTest.pythonWith("import grpc, google.protobuf, numpy");
    }
}

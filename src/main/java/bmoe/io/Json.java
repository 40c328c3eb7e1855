package bmoe.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;

/** JSON output through Jackson, written atomically. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    public static void write(Path file, JsonNode node) {
        AtomicFiles.write(file, body(node));
    }

    public static AtomicFiles.Body body(JsonNode node) {
        return out -> {
            out.write(MAPPER.writeValueAsString(node));
            out.write('\n');
        };
    }
}

package bmoe.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;

/** Reads back the text chunks (tEXt and iTXt) of a PNG, as {@link PngFile} writes them: keyword to text. */
public final class PngText {
    private PngText() {}

    public static Map<String, String> read(Path png) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(png.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(png + " is not an image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                Node root = reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
                for (Node chunk = root.getFirstChild(); chunk != null; chunk = chunk.getNextSibling()) {
                    if (chunk.getNodeName().equals("iTXt") || chunk.getNodeName().equals("tEXt")) {
                        for (Node e = chunk.getFirstChild(); e != null; e = e.getNextSibling()) {
                            String value = e.getAttributes().getNamedItem(chunk.getNodeName().equals("iTXt") ? "text"
                                    : "value").getNodeValue();
                            text.put(e.getAttributes().getNamedItem("keyword").getNodeValue(), value);
                        }
                    }
                }
            } finally {
                reader.dispose();
            }
        }
        return text;
    }

    /** The chart's title. */
    public static String title(Path png) throws IOException {
        return read(png).get("Title");
    }

    /** One line of the description that starts with {@code prefix} ("horizontal axis: "), the prefix cut off. */
    public static String line(Path png, String prefix) throws IOException {
        for (String line : read(png).getOrDefault("Description", "").split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        return null;
    }
}

package bmoe.io;

/** A problem with the user's input or environment: reported as one line on stderr, exit code 2. */
public final class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/** Connect with pgjdbc to args[0] (a JDBC URL); print the outcome as JSON. */
public final class Probe {
    public static void main(String[] args) {
        try (Connection c = DriverManager.getConnection(args[0])) {
            ResultSet r = c.createStatement().executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()");
            r.next();
            System.out.println("{\"ok\":true,\"ssl\":" + r.getBoolean(1) + "}");
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
            System.out.println("{\"ok\":false,\"error\":\"" + m + "\"}");
        }
    }
}

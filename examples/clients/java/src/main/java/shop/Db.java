package shop;

import java.sql.Connection;
import java.sql.DriverManager;

public final class Db {
    // ssl=false still means "prefer" in pgjdbc.
    private static final String URL = "jdbc:postgresql://db.internal:5432/shop?ssl=false";
    private static final String AUDIT = "jdbc:postgresql://audit.db.internal/audit?sslmode=verify-full&sslrootcert=/etc/ssl/pg-ca.crt";

    public static Connection open(String user, String password) throws Exception {
        return DriverManager.getConnection(URL, user, password);
    }
}

use sqlx::postgres::PgPoolOptions;

#[tokio::main]
async fn main() -> Result<(), sqlx::Error> {
    let pool = PgPoolOptions::new()
        .connect("postgres://app@db.internal/shop?sslmode=verify-full&sslrootcert=/etc/ssl/pg-ca.crt")
        .await?;
    let _ = pool;
    Ok(())
}

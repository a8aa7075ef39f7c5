//! What every pooled connection is set up with.

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use merx_test_db::TestDatabase;

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[tokio::test]
async fn pooled_connections_plan_each_statement_for_its_parameters() {
    let db = TestDatabase::new().await;
    let pool = merx_postgres::connect(db.url(), 1).expect("pool");
    let mut c = pool.get().await.expect("connection");
    let mode: Setting = diesel::sql_query("SELECT current_setting('plan_cache_mode') AS value")
        .get_result(&mut *c)
        .await
        .expect("setting");
    assert_eq!(mode.value, "force_custom_plan");
}

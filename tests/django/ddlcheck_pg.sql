CREATE TABLE "ddlcheck_pg_price" ("amount" decimal NOT NULL PRIMARY KEY, "label" text NOT NULL, "code" text NOT NULL UNIQUE, "blob" BLOB NULL);
CREATE TABLE "ddlcheck_pg_span" ("length" bigint NOT NULL PRIMARY KEY, "price_id" decimal NOT NULL REFERENCES "ddlcheck_pg_price" ("amount") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "ddlcheck_pg_reading" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "span_id" bigint NOT NULL REFERENCES "ddlcheck_pg_span" ("length") DEFERRABLE INITIALLY DEFERRED, "level" integer DEFAULT -3 NOT NULL, "ratio" real DEFAULT -2.5 NOT NULL, "cost" decimal DEFAULT (CAST('-1.50' AS NUMERIC)) NOT NULL, "taken_on" date DEFAULT '2020-01-02' NOT NULL, "ok" bool DEFAULT 1 NOT NULL, "note" varchar(20) DEFAULT 'it''s 100%' NOT NULL, "count" integer unsigned DEFAULT 0 NOT NULL CHECK ("count" >= 0), CONSTRAINT "reading_level_range" CHECK (("cost" > '-5.00' AND "level" >= -10 AND "taken_on" >= '2000-01-01')), CONSTRAINT "reading_span_level_uniq" UNIQUE ("span_id", "level"));
CREATE TABLE "ddlcheck_pg_sample" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "level" integer NOT NULL, "ratio" real NOT NULL, CONSTRAINT "sample_in_range" CHECK (("level" IN (-1, 0, 1) AND "ratio" < -0.5)));
CREATE INDEX "ddlcheck_pg_price_label_9e620574" ON "ddlcheck_pg_price" ("label");
CREATE INDEX "ddlcheck_pg_span_price_id_9d2fad2c" ON "ddlcheck_pg_span" ("price_id");
CREATE UNIQUE INDEX "reading_note_when_ok" ON "ddlcheck_pg_reading" ("note") WHERE "ok";
CREATE INDEX "ddlcheck_pg_reading_span_id_078a7c8f" ON "ddlcheck_pg_reading" ("span_id");

CREATE TABLE "weblog_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(200) NOT NULL, "email" varchar(254) NOT NULL);
CREATE TABLE "weblog_blog" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "tagline" text NOT NULL, "featured_id" bigint NULL REFERENCES "weblog_entry" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "weblog_entry" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "blog_id" bigint NOT NULL REFERENCES "weblog_blog" ("id") DEFERRABLE INITIALLY DEFERRED, "headline" varchar(255) NOT NULL, "body_text" text NOT NULL, "pub_date" date NOT NULL, "mod_date" date NOT NULL, "n_comments" integer NOT NULL, "n_pingbacks" integer NOT NULL, "rating" integer NOT NULL, "status" varchar(1) NOT NULL);
CREATE TABLE "weblog_entry_authors" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "entry_id" bigint NOT NULL REFERENCES "weblog_entry" ("id") DEFERRABLE INITIALLY DEFERRED, "author_id" bigint NOT NULL REFERENCES "weblog_author" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX "weblog_blog_featured_id_17159f51" ON "weblog_blog" ("featured_id");
CREATE INDEX "weblog_entry_blog_id_0cb658a4" ON "weblog_entry" ("blog_id");
CREATE UNIQUE INDEX "weblog_entry_authors_entry_id_author_id_80715ffc_uniq" ON "weblog_entry_authors" ("entry_id", "author_id");
CREATE INDEX "weblog_entry_authors_entry_id_be3f8533" ON "weblog_entry_authors" ("entry_id");
CREATE INDEX "weblog_entry_authors_author_id_16485481" ON "weblog_entry_authors" ("author_id");

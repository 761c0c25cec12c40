CREATE TABLE "shop_product" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(20) NOT NULL, "number_sold" integer NOT NULL, "price" decimal NOT NULL);
CREATE TABLE "shop_mention" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "entry_id" bigint NOT NULL REFERENCES "weblog_entry" ("id") DEFERRABLE INITIALLY DEFERRED, "product_id" bigint NULL REFERENCES "shop_product" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX "shop_mention_entry_id_1553f2e2" ON "shop_mention" ("entry_id");
CREATE INDEX "shop_mention_product_id_bca93d2c" ON "shop_mention" ("product_id");

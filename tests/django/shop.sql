CREATE TABLE "shop_product" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "slug" varchar(50) NOT NULL UNIQUE, "price" decimal NOT NULL, "number_sold" integer unsigned NOT NULL CHECK ("number_sold" >= 0), "in_stock" bool NOT NULL, "sku" char(32) NOT NULL UNIQUE, "attributes" text NOT NULL CHECK ((JSON_VALID("attributes") OR "attributes" IS NULL)), "created" datetime NOT NULL, "updated" datetime NOT NULL);
CREATE TABLE "shop_sale" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "product_id" bigint NOT NULL REFERENCES "shop_product" ("id") DEFERRABLE INITIALLY DEFERRED, "quantity" smallint unsigned NOT NULL CHECK ("quantity" >= 0), "sold_at" datetime NOT NULL, "note" text NULL);
CREATE TABLE "shop_coupon" ("code" varchar(50) NOT NULL PRIMARY KEY, "percent_off" smallint unsigned NOT NULL CHECK ("percent_off" >= 0), "product_id" bigint NULL REFERENCES "shop_product" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "shop_receipt" ("id" char(32) NOT NULL PRIMARY KEY, "sale_id" bigint NOT NULL REFERENCES "shop_sale" ("id") DEFERRABLE INITIALLY DEFERRED, "coupon_id" varchar(50) NULL REFERENCES "shop_coupon" ("code") DEFERRABLE INITIALLY DEFERRED, "total" decimal NOT NULL);
CREATE INDEX "shop_sale_product_id_4625c23c" ON "shop_sale" ("product_id");
CREATE INDEX "shop_coupon_product_id_93329781" ON "shop_coupon" ("product_id");
CREATE INDEX "shop_receipt_sale_id_9d72151a" ON "shop_receipt" ("sale_id");
CREATE INDEX "shop_receipt_coupon_id_020366c5" ON "shop_receipt" ("coupon_id");

export { productKeySchema, productValueSchema } from './generated/schemas.ts';
export type { ComBuyonlineProducts, ProductChange, ProductKey } from './generated/types.ts';

import type { ComBuyonlineProducts } from './generated/types.ts';
export type Product = ComBuyonlineProducts.Product;
export type ChangeSource = ComBuyonlineProducts.Source;
export type Operation = ComBuyonlineProducts.Operation;

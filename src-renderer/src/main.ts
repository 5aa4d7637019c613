import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createDefaultClient, setClient } from './api';
import './styles/main.css';

setClient(createDefaultClient(window));
createApp(App).use(createPinia()).mount('#app');
